"""Clock operations: pause, resume, extend and stop, with state checks, audit and re-armed ladders."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.services.clocks import ClockInvalid, ClockRefused, operate
from engine.services.escalation import sweep
from engine.store import appeals as store
from engine.store import author_messages
from engine.store.models import AlertRecord, EscalationRecord
from tests.support.appeals import clock_row, routed_pit
from tests.support.moments import at


def actions(appeal_id: int) -> list[str]:
    return [a.action for a in store.audit_trail(appeal_id) if a.action.startswith("clock.")]


@pytest.fixture
def fz59_appeal(runtime, clock):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    return routed_pit(runtime, clock)


@pytest.mark.both_databases
def test_a_59_fz_answer_clock_starts_at_routing_with_its_term_and_versions(runtime, fz59_appeal):
    answer = clock_row(fz59_appeal, "answer")

    assert answer.due_at == at("Wed 2026-05-06 23:59 +0700").replace(second=59)
    assert (answer.amount, answer.on_non_working, answer.max_extension_days) == (30, "next", 30)
    assert answer.policy_version == runtime.policy_set.policies["fz59"].version
    assert answer.calendar_version == runtime.policy_set.calendar_for(answer.body).version
    assert actions(fz59_appeal) == []  # the clock rows record their start; routing is one audit event


@pytest.mark.both_databases
def test_a_pause_over_days_moves_a_calendar_day_term_by_the_days_it_reached_into(runtime, clock, fz59_appeal):
    clock.set(at("Mon 2026-04-13 10:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "запрошен номер дома"}, actor="u:1", role="official")
    assert clock_row(fz59_appeal, "answer").paused_since == clock()

    clock.set(at("Wed 2026-04-15 16:00 +0700"))
    result = operate(runtime, fz59_appeal, "answer", "resume", {}, actor="u:1", role="official")

    answer = clock_row(fz59_appeal, "answer")
    # 6 Apr + 30 + 2 days = Fri 8 May (a shortened working day)
    assert answer.due_at == at("Fri 2026-05-08 23:59 +0700").replace(second=59)
    assert (answer.pause_credit, answer.paused_total_seconds, answer.deadline_version) == (2, 2 * 86400 + 6 * 3600, 2)
    assert answer.paused_since is None
    assert result["credit"] == 2 and result["credit_unit"] == "days"
    assert actions(fz59_appeal)[-2:] == ["clock.paused", "clock.resumed"]


def test_a_three_day_pause_lands_on_the_may_holidays_and_moves_to_the_next_working_day(runtime, clock, fz59_appeal):
    clock.set(at("Tue 2026-04-14 10:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "уточнение"}, actor="u:1", role="official")
    clock.set(at("Fri 2026-04-17 09:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "resume", {}, actor="u:1", role="official")

    # 6 Apr + 33 days = Sat 9 May (Victory Day); Mon 11 May is its transfer
    assert clock_row(fz59_appeal, "answer").due_at == at("Tue 2026-05-12 23:59 +0700").replace(second=59)


def test_a_pause_within_one_day_credits_nothing_to_a_calendar_day_term(runtime, clock, fz59_appeal):
    clock.set(at("Mon 2026-04-13 10:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "уточнение"}, actor="u:1", role="official")
    clock.set(at("Mon 2026-04-13 17:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "resume", {}, actor="u:1", role="official")

    answer = clock_row(fz59_appeal, "answer")
    assert answer.due_at == at("Wed 2026-05-06 23:59 +0700").replace(second=59)
    assert (answer.pause_credit, answer.deadline_version, answer.paused_total_seconds) == (0, 1, 7 * 3600)


@pytest.mark.parametrize(
    ("paused", "resumed", "credit_hours", "due"),
    [
        # the municipal office works 08:00-12:00 and 13:00-17:00; 4 working hours from Mon 10:00 end Mon 15:00
        ("Mon 2026-04-06 11:00 +0700", "Mon 2026-04-06 14:00 +0700", 2, "Mon 2026-04-06 17:00 +0700"),
        ("Mon 2026-04-06 11:00 +0700", "Tue 2026-04-07 09:00 +0700", 6, "Tue 2026-04-07 12:00 +0700"),
        ("Mon 2026-04-06 12:30 +0700", "Mon 2026-04-06 12:50 +0700", 0, "Mon 2026-04-06 15:00 +0700"),
    ],
)
def test_a_working_hours_clock_moves_by_the_working_time_it_was_paused(runtime, clock, paused, resumed,
                                                                         credit_hours, due):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    appeal_id = routed_pit(runtime, clock, regime="incident")
    assert clock_row(appeal_id, "first_response").due_at == at("Mon 2026-04-06 15:00 +0700")

    clock.set(at(paused))
    operate(runtime, appeal_id, "first_response", "pause", {"reason": "нужен адрес"}, actor="u:1", role="official")
    clock.set(at(resumed))
    operate(runtime, appeal_id, "first_response", "resume", {}, actor="u:1", role="official")

    first = clock_row(appeal_id, "first_response")
    assert first.pause_credit == credit_hours * 3600
    assert first.due_at == at(due)


@pytest.mark.both_databases
def test_a_manager_extends_a_59_fz_answer_once_and_the_notice_to_the_author_is_queued(runtime, clock,
                                                                                        fz59_appeal):
    clock.set(at("Mon 2026-04-27 10:00 +0700"))
    result = operate(runtime, fz59_appeal, "answer", "extend", {"days": 30, "reason": "нужна экспертиза"},
                     actor="u:head", role="manager")

    answer = clock_row(fz59_appeal, "answer")
    # 6 Apr + 60 days = Fri 5 Jun
    assert answer.due_at == at("Fri 2026-06-05 23:59 +0700").replace(second=59)
    assert (answer.extension_days, answer.deadline_version) == (30, 2)
    assert "05.06.2026" in result["author_notice"] and "экспертиза" in result["author_notice"]
    # queued for the author's e-mail; nothing claims it was sent before the mail server takes it
    assert actions(fz59_appeal)[-1] == "clock.extended"
    assert [a.action for a in store.audit_trail(fz59_appeal)][-1] == "reply.queued"
    notice = [m for m in author_messages.of_appeal(fz59_appeal) if m.kind == "extended"]
    assert [(m.route, m.address["email"], m.status, m.text) for m in notice] == [
        ("email", "anna@example.ru", "pending", result["author_notice"])]

    with pytest.raises(ClockRefused, match="только один раз"):
        operate(runtime, fz59_appeal, "answer", "extend", {"days": 1, "reason": "ещё"}, actor="u:head",
                role="manager")


@pytest.mark.parametrize(
    ("params", "role", "error", "match"),
    [
        ({"days": 30, "reason": "экспертиза"}, "official", ClockRefused, "не продлевает сроки"),
        ({"days": 31, "reason": "экспертиза"}, "manager", ClockInvalid, "от 1 до 30"),
        ({"days": 0, "reason": "экспертиза"}, "manager", ClockInvalid, "от 1 до 30"),
        ({"days": "10", "reason": "экспертиза"}, "manager", ClockInvalid, "целым"),
        ({"days": 10, "reason": " "}, "manager", ClockInvalid, "укажите причину продления"),
    ],
)
def test_an_extension_outside_the_law_is_refused_and_changes_nothing(runtime, clock, fz59_appeal, params, role,
                                                                     error, match):
    with pytest.raises(error, match=match):
        operate(runtime, fz59_appeal, "answer", "extend", params, actor="u:1", role=role)

    answer = clock_row(fz59_appeal, "answer")
    assert (answer.extension_days, answer.deadline_version) == (0, 1)


def test_an_extension_after_the_term_ended_is_refused(runtime, clock, fz59_appeal):
    clock.set(at("Thu 2026-05-07 09:00 +0700"))

    with pytest.raises(ClockRefused, match=r"истёк 06\.05\.2026 23:59; о продлении решают до его окончания"):
        operate(runtime, fz59_appeal, "answer", "extend", {"days": 5, "reason": "поздно"}, actor="u:1",
                role="manager")


def test_a_working_hours_clock_cannot_be_extended(runtime, clock):
    appeal_id = routed_pit(runtime, clock, regime="incident")

    with pytest.raises(ClockRefused, match="не разрешает продлевать"):
        operate(runtime, appeal_id, "first_response", "extend", {"days": 1, "reason": "x"}, actor="u:1",
                role="manager")


@pytest.mark.parametrize(
    ("kind", "operation", "match"),
    [
        ("registration", "pause", "не приостанавливается"),
        ("answer", "resume", "возобновить можно только срок на паузе"),
        ("registration", "stop", "уже остановлен"),
    ],
)
def test_an_operation_the_clock_state_does_not_allow_is_refused_with_the_reason(runtime, fz59_appeal, kind,
                                                                                operation, match):
    with pytest.raises(ClockRefused, match=match):
        operate(runtime, fz59_appeal, kind, operation, {"reason": "x"}, actor="u:1", role="official")


def test_a_paused_clock_cannot_be_paused_again(runtime, fz59_appeal):
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "x"}, actor="u:1", role="official")

    with pytest.raises(ClockRefused, match="сейчас на паузе"):
        operate(runtime, fz59_appeal, "answer", "pause", {"reason": "x"}, actor="u:1", role="official")


def test_an_unknown_clock_is_a_lookup_error(runtime, fz59_appeal):
    with pytest.raises(LookupError):
        operate(runtime, fz59_appeal, "final_answer", "pause", {"reason": "x"}, actor="u:1", role="official")


@pytest.mark.both_databases
def test_stopping_a_paused_clock_credits_the_pause_first_and_reports_it_on_time(runtime, clock, fz59_appeal):
    clock.set(at("Mon 2026-05-04 10:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "x"}, actor="u:1", role="official")
    clock.set(at("Fri 2026-05-08 10:00 +0700"))

    result = operate(runtime, fz59_appeal, "answer", "stop", {"reason": "ответ дан"}, actor="u:1", role="official")

    answer = clock_row(fz59_appeal, "answer")
    assert answer.stopped_at == clock() and answer.paused_since is None
    assert result["on_time"] is True
    assert actions(fz59_appeal)[-3:] == ["clock.paused", "clock.resumed", "clock.stopped"]


@pytest.mark.both_databases
def test_a_paused_clock_sends_no_alerts_and_its_ladder_follows_the_moved_due_time(runtime, clock, fz59_appeal):
    clock.set(at("Mon 2026-04-20 10:00 +0700"))
    operate(runtime, fz59_appeal, "answer", "pause", {"reason": "x"}, actor="u:1", role="official")
    answer = clock_row(fz59_appeal, "answer")
    assert EscalationRecord.get(EscalationRecord.clock == answer.id).next_check_at is None

    clock.set(at("Thu 2026-04-30 10:00 +0700"))  # past 75 % of the original term
    sweep(runtime)
    assert AlertRecord.select().count() == 0

    operate(runtime, fz59_appeal, "answer", "resume", {}, actor="u:1", role="official")
    answer = clock_row(fz59_appeal, "answer")
    row = EscalationRecord.get(EscalationRecord.clock == answer.id)
    assert answer.deadline_version == 2 and row.next_check_at > clock()


def test_an_anonymous_59_fz_appeal_gets_no_answer_clock(runtime, clock):
    appeal_id = routed_pit(runtime, clock, author_type="anonymous")

    kinds = {c.kind for c in store.clocks_of(appeal_id)}
    assert "answer" not in kinds and "registration" in kinds


def test_a_portal_message_gets_the_term_of_its_category_from_the_table(runtime, clock):
    pos = runtime.policy_set.policies["pos-message"]
    from engine.domain.deadlines import CategoryOverride

    shorter = replace(pos, by_category=(CategoryOverride("roads", None, (("answer", 10),)),))
    runtime.policy_set = replace(runtime.policy_set, policies={**runtime.policy_set.policies, "pos-message": shorter})
    clock.set(at("Mon 2026-04-06 10:00 +0700"))

    appeal_id = routed_pit(runtime, clock, regime="portal_message")

    answer = clock_row(appeal_id, "answer")
    assert (answer.amount, answer.due_at) == (10, at("Thu 2026-04-16 23:59 +0700").replace(second=59))
