"""The incident's final answer: N working days after the interim answer, pending before it, bounded
by an optional hard cap, escalated on its own term."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from engine.domain.deadlines import ClockSpec
from engine.services.actions import perform
from engine.services.clocks import ClockRefused, operate
from engine.services.escalation import sweep
from engine.services.recompute import recompute
from engine.store import appeals as store
from engine.store.models import AlertRecord, EscalationRecord
from tests.support.appeals import HOUSING_OFFICIAL, answer, clock_row, taken_incident
from tests.support.moments import at
from tests.support.staff import add_staff, bearer, log_in


def with_cap(runtime, hours: int) -> None:
    """The `incident` policy with a hard cap of ``hours`` calendar hours on its final answer."""
    policy = runtime.policy_set.policies["incident"]
    clocks = tuple(replace(spec, cap_hours=hours) if spec.kind == "final_answer" else spec for spec in policy.clocks)
    assert isinstance(clocks[1], ClockSpec)
    runtime.policy_set = replace(runtime.policy_set, policies={**runtime.policy_set.policies,
                                                       "incident": replace(policy, clocks=clocks)})


def test_before_the_interim_answer_the_final_answer_waits_with_no_due_time(runtime, clock, client):
    appeal_id = taken_incident(runtime, clock)
    tokens = add_staff(runtime)

    assert clock_row(appeal_id, "final_answer") is None
    listed = client.get(f"/api/v1/appeals/{appeal_id}/clocks", headers=bearer(tokens["centre-manager"]))
    detail = client.get(f"/api/v1/appeals/{appeal_id}", headers=bearer(tokens["centre-manager"]))

    final = next(c for c in listed.get_json()["clocks"] if c["kind"] == "final_answer")
    assert (final["state"], final["waits_for"], final["due"], final["due_utc"]) == ("pending", "interim", None, None)
    assert final["term"] == "7 working_days after the interim answer"
    assert "final_answer" in {c["kind"] for c in detail.get_json()["clocks"]}
    assert EscalationRecord.select().count() == 1  # the first response only


def test_the_interim_answer_starts_the_final_answer_seven_working_days_later_and_arms_its_ladder(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Mon 2026-11-30 14:00 +0700"))

    result = answer(runtime, appeal_id, "interim")

    final = clock_row(appeal_id, "final_answer")
    # 1-4 Dec and 7-9 Dec: Wednesday 9 December at the end of the working day
    assert final.due_at == at("Wed 2026-12-09 17:00 +0700")
    assert final.started_at == clock() and final.waits_for is None and final.cap_at is None
    assert final.policy_version == runtime.policy_set.policies["incident"].version
    assert result["clocks_started"] == [{"kind": "final_answer", "due_utc": final.due_at.isoformat()}]
    assert result["clocks_stopped"] == ["first_response"]
    # an incident is on the centre's control: the clock starts when the curator publishes the answer
    started = [e for e in store.audit_trail(appeal_id) if e.action == "clock.started"]
    assert [(e.details["clock"], e.details["after"], e.actor) for e in started] == [
        ("final_answer", "interim", "user:curator")]
    escalation = EscalationRecord.get(EscalationRecord.clock == final.id)
    assert escalation.ladder_id == "incident-response" and escalation.next_check_at > clock()


def test_a_second_interim_answer_does_not_move_the_final_answer_term(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim")
    clock.set(at("Fri 2026-12-04 09:00 +0700"))

    result = answer(runtime, appeal_id, "interim")

    final = clock_row(appeal_id, "final_answer")
    assert final.due_at == at("Wed 2026-12-09 17:00 +0700") and final.deadline_version == 1
    assert result["clocks_started"] == []


def test_the_final_answer_term_escalates_when_it_breaches(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim")
    final = clock_row(appeal_id, "final_answer")

    clock.set(at("Tue 2026-12-08 10:00 +0700"))  # not yet due
    sweep(runtime)
    assert not AlertRecord.select().where((AlertRecord.clock == final.id) & (AlertRecord.level == "breach")).count()
    clock.set(at("Wed 2026-12-09 17:00 +0700"))
    sweep(runtime)

    breach = AlertRecord.select().where((AlertRecord.clock == final.id) & (AlertRecord.level == "breach"))
    assert breach.count() >= 1
    assert clock_row(appeal_id, "final_answer").breached_at == at("Wed 2026-12-09 17:00 +0700")


def test_a_final_answer_without_an_interim_one_answers_both_and_is_on_time(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Mon 2026-11-30 15:00 +0700"))

    result = answer(runtime, appeal_id, "final")

    first, final = clock_row(appeal_id, "first_response"), clock_row(appeal_id, "final_answer")
    assert first.stopped_at == clock() and first.stopped_at <= first.due_at
    assert final.started_at == final.stopped_at == clock() and final.stopped_at <= final.due_at
    assert result["without_interim"] == ["final_answer"]
    assert sorted(result["clocks_stopped"]) == ["final_answer", "first_response"]
    assert store.get_appeal(appeal_id).status == "answered"


@pytest.mark.parametrize(
    ("cap_hours", "cap", "due"),
    [
        # 7 working days end Wed 9 Dec 17:00, before the 240-hour cap (Thu 10 Dec 10:00)
        (240, "Thu 2026-12-10 10:00 +0700", "Wed 2026-12-09 17:00 +0700"),
        # a 48-hour cap from receipt comes first
        (48, "Wed 2026-12-02 10:00 +0700", "Wed 2026-12-02 10:00 +0700"),
    ],
)
def test_with_a_hard_cap_the_pending_final_answer_is_due_at_the_cap_and_the_interim_answer_bounds_it(
        runtime, clock, cap_hours, cap, due):
    with_cap(runtime, cap_hours)
    appeal_id = taken_incident(runtime, clock)

    pending = clock_row(appeal_id, "final_answer")
    assert (pending.waits_for, pending.due_at, pending.cap_at) == ("interim", at(cap), at(cap))
    assert EscalationRecord.get(EscalationRecord.clock == pending.id).ladder_id == "incident-response"

    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim")

    started = clock_row(appeal_id, "final_answer")
    assert (started.waits_for, started.started_at, started.due_at) == (None, clock(), at(due))
    assert started.deadline_version == 2
    event = next(e for e in store.audit_trail(appeal_id) if e.action == "clock.started")
    utc_cap = at(cap).astimezone(UTC).isoformat()
    assert event.details["due_before"] == utc_cap and event.details["cap"] == utc_cap


def test_a_pending_clock_neither_pauses_nor_extends_and_a_clarification_leaves_it_alone(runtime, clock):
    with_cap(runtime, 48)
    appeal_id = taken_incident(runtime, clock)

    with pytest.raises(ClockRefused, match="ждёт промежуточного ответа"):
        operate(runtime, appeal_id, "final_answer", "pause", {"reason": "x"}, actor="u:1", role="official")
    with pytest.raises(ClockRefused, match="не разрешает продлевать"):
        operate(runtime, appeal_id, "final_answer", "extend", {"days": 1, "reason": "x"}, actor="u:1",
                role="manager")
    result = perform(runtime, appeal_id, "request_clarification", {"text": "Номер дома?"}, HOUSING_OFFICIAL)

    assert result["clocks_paused"] == ["first_response"]
    assert clock_row(appeal_id, "final_answer").paused_since is None


def test_a_pending_capped_clock_escalates_at_the_cap_when_no_interim_answer_comes(runtime, clock):
    with_cap(runtime, 48)
    appeal_id = taken_incident(runtime, clock)
    pending = clock_row(appeal_id, "final_answer")

    clock.set(at("Wed 2026-12-02 10:00 +0700"))
    sweep(runtime)

    assert AlertRecord.select().where((AlertRecord.clock == pending.id) & (AlertRecord.level == "breach")).count()
    assert clock_row(appeal_id, "final_answer").breached_at == at("Wed 2026-12-02 10:00 +0700")


def test_a_final_answer_without_an_interim_one_is_judged_against_the_cap(runtime, clock):
    with_cap(runtime, 48)
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Wed 2026-12-02 11:00 +0700"))  # an hour past the cap

    answer(runtime, appeal_id, "final")

    final = clock_row(appeal_id, "final_answer")
    assert final.stopped_at == clock() and final.due_at == at("Wed 2026-12-02 10:00 +0700")
    stopped = next(e for e in store.audit_trail(appeal_id)
                   if e.action == "clock.stopped" and e.details["clock"] == "final_answer")
    assert stopped.details["on_time"] is False


def test_recomputing_leaves_a_pending_clock_due_at_its_cap(runtime, clock):
    with_cap(runtime, 48)
    appeal_id = taken_incident(runtime, clock)

    report = recompute(runtime, actor="cli", reason="проверка", appeal_id=appeal_id)

    assert report.moved == 0
    assert clock_row(appeal_id, "final_answer").due_at == at("Wed 2026-12-02 10:00 +0700")


def test_the_web_page_of_an_incident_shows_the_waiting_final_answer(runtime, clock, client):
    appeal_id = taken_incident(runtime, clock)
    add_staff(runtime)
    log_in(client, "centre-manager")

    page = client.get(f"/appeals/{appeal_id}")

    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert "ждёт промежуточного ответа" in page.get_data(as_text=True)


def test_the_clock_history_shows_a_capped_final_answer_created_at_receipt_then_started(runtime, clock, client):
    with_cap(runtime, 240)
    appeal_id = taken_incident(runtime, clock)
    tokens = add_staff(runtime)
    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim")

    listed = client.get(f"/api/v1/appeals/{appeal_id}/clocks", headers=bearer(tokens["centre-manager"]))

    final = next(c for c in listed.get_json()["clocks"] if c["kind"] == "final_answer")
    assert [(e["event"], e["at"]) for e in final["history"]] == [
        ("created", at("Mon 2026-11-30 10:00 +0700").astimezone(UTC).isoformat()),
        ("started", at("Mon 2026-11-30 14:00 +0700").astimezone(UTC).isoformat()),
    ]
    assert (final["state"], final["cap"]) == ("running", "2026-12-10T10:00:00+07:00")
