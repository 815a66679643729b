"""Reopening an appeal gives its answer clock a new term from the reopening, audited, and the sweep
escalates it again."""

from __future__ import annotations

from datetime import UTC

import pytest

from engine.services.access import Caller
from engine.services.actions import ActionInvalid, perform
from engine.services.escalation import sweep
from engine.store import appeals as store
from engine.store.models import AlertRecord, ClockRecord, EscalationRecord
from tests.support.appeals import answer, clock_row, taken_incident
from tests.support.moments import at
from tests.support.staff import add_staff, bearer, routed

OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads-official")
MANAGER = Caller(token_id=None, role="manager", label=None, user="centre-manager")


@pytest.fixture
def closed_pit(runtime, clock):
    """A 59-ФЗ pit appeal routed Mon 2026-11-30 10:00, answered on Fri 4 Dec and closed."""
    appeal_id = routed(runtime)
    perform(runtime, appeal_id, "take", {}, OFFICIAL)
    clock.set(at("Fri 2026-12-04 10:00 +0700"))
    perform(runtime, appeal_id, "answer", {"kind": "final", "text": "Яма заделана."}, OFFICIAL)
    perform(runtime, appeal_id, "close", {}, MANAGER)
    return appeal_id


def answer_alerts(appeal_id: int, version: int) -> list[str]:
    clock = clock_row(appeal_id, "answer")
    return sorted({a.level for a in AlertRecord.select().where(
        (AlertRecord.clock == clock.id) & (AlertRecord.deadline_version == version))})


def test_reopening_counts_a_new_answer_term_from_the_reopening_and_audits_it(runtime, clock, closed_pit):
    before = clock_row(closed_pit, "answer")
    clock.set(at("Mon 2026-12-07 10:00 +0700"))

    result = perform(runtime, closed_pit, "reopen", {"reason": "автор сообщил, что яма снова открылась"}, MANAGER)

    answer_clock = clock_row(closed_pit, "answer")
    # 7 Dec + 30 days = Wed 6 Jan 2027, a holiday: the next working day is Monday 11 January
    assert answer_clock.due_at == at("Mon 2027-01-11 23:59 +0700").replace(second=59)
    assert answer_clock.started_at == clock() and answer_clock.stopped_at is None
    assert answer_clock.deadline_version == before.deadline_version + 1
    assert (answer_clock.extension_days, answer_clock.pause_credit, answer_clock.breached_at) == (0, 0, None)
    assert result["status"] == "in_progress"
    assert result["clocks_restarted"] == [{"kind": "answer", "due_utc": answer_clock.due_at.isoformat()}]
    event = next(e for e in store.audit_trail(closed_pit) if e.action == "clock.restarted")
    assert event.actor == "user:centre-manager"
    assert event.details["due_before"] == before.due_at.isoformat()
    assert "яма снова открылась" in event.details["reason"]
    assert clock_row(closed_pit, "registration").stopped_at is not None  # registration stays done


def test_a_reopened_appeal_escalates_on_a_sweep(runtime, clock, closed_pit):
    clock.set(at("Mon 2027-01-04 10:00 +0700"))
    sweep(runtime)
    assert answer_alerts(closed_pit, 1) == []  # closed: no alerts for the old term

    clock.set(at("Mon 2026-12-07 10:00 +0700"))
    perform(runtime, closed_pit, "reopen", {"reason": "повторная жалоба"}, MANAGER)
    row_ = EscalationRecord.get(EscalationRecord.clock == clock_row(closed_pit, "answer").id)
    assert row_.next_level == 0 and row_.next_check_at > clock()

    clock.set(at("Mon 2027-01-04 10:00 +0700"))  # past 75 % of the new term
    sweep(runtime)
    assert answer_alerts(closed_pit, 2) == ["three-quarters"]

    clock.set(at("Tue 2027-01-12 10:00 +0700"))  # past the new due time
    sweep(runtime)
    assert answer_alerts(closed_pit, 2) == ["breach", "three-quarters"]
    assert clock_row(closed_pit, "answer").breached_at is not None


def test_a_reopened_incident_gets_a_new_final_answer_term_in_working_days(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim")
    answer(runtime, appeal_id, "final")
    clock.set(at("Thu 2026-12-03 09:00 +0700"))

    perform(runtime, appeal_id, "reopen", {"reason": "труба снова течёт"}, MANAGER)

    final = clock_row(appeal_id, "final_answer")
    # 4, 7, 8, 9, 10, 11, 14 December
    assert (final.started_at, final.due_at, final.stopped_at) == (clock(), at("Mon 2026-12-14 17:00 +0700"), None)
    assert clock_row(appeal_id, "first_response").stopped_at is not None


def test_a_reopened_incident_rejected_before_its_interim_answer_starts_the_final_answer_term(runtime, clock):
    appeal_id = taken_incident(runtime, clock)
    perform(runtime, appeal_id, "reject", {"reason": "obscene"}, OFFICIAL)
    assert clock_row(appeal_id, "final_answer") is None
    clock.set(at("Tue 2026-12-01 09:00 +0700"))

    result = perform(runtime, appeal_id, "reopen", {"reason": "отказ ошибочен"}, MANAGER)

    final = clock_row(appeal_id, "final_answer")
    # 2-4 and 7-10 December
    assert final.started_at == clock() and final.due_at == at("Thu 2026-12-10 17:00 +0700")
    assert [c["kind"] for c in result["clocks_restarted"]] == ["final_answer"]


def test_reopening_without_a_reason_is_refused_and_changes_no_clock(runtime, clock, closed_pit):
    before = clock_row(closed_pit, "answer").deadline_version

    with pytest.raises(ActionInvalid):
        perform(runtime, closed_pit, "reopen", {"reason": " "}, MANAGER)

    assert clock_row(closed_pit, "answer").deadline_version == before
    assert ClockRecord.get_by_id(clock_row(closed_pit, "answer").id).stopped_at is not None


def test_the_reopen_action_over_http_reports_the_new_term(runtime, clock, client, closed_pit):
    tokens = add_staff(runtime)
    clock.set(at("Mon 2026-12-07 10:00 +0700"))

    response = client.post(f"/api/v1/appeals/{closed_pit}/actions/reopen", json={"reason": "повторная жалоба"},
                           headers=bearer(tokens["centre-manager"]))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["clocks_restarted"][0]["kind"] == "answer"


def test_the_clock_history_keeps_the_first_start_and_shows_the_restart(runtime, clock, client, closed_pit):
    tokens = add_staff(runtime)
    clock.set(at("Mon 2026-12-07 10:00 +0700"))
    perform(runtime, closed_pit, "reopen", {"reason": "повторная жалоба"}, MANAGER)

    listed = client.get(f"/api/v1/appeals/{closed_pit}/clocks", headers=bearer(tokens["centre-manager"]))

    history = next(c for c in listed.get_json()["clocks"] if c["kind"] == "answer")["history"]
    assert [e["event"] for e in history] == ["started", "stopped", "restarted"]
    assert history[0]["at"] == at("Mon 2026-11-30 10:00 +0700").astimezone(UTC).isoformat()
