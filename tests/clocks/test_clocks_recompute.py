"""A new calendar or policy never moves an open deadline by itself; an audited recompute does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine.services.clocks import operate
from engine.services.recompute import recompute
from engine.store import appeals as store
from engine.store.models import AppealRecord
from tests.support.appeals import clock_row, routed_pit
from tests.support.moments import at

WEDNESDAY_6_MAY = at("Wed 2026-05-06 23:59 +0700").replace(second=59)


def with_day_off(runtime, day: date):
    production = runtime.policy_set.production
    changed = replace(production, days_off=production.days_off | {day}, version=f"{production.version}+{day}")
    runtime.policy_set = replace(runtime.policy_set, production=changed)


def with_answer_days(runtime, policy_id: str, amount: int):
    policy = runtime.policy_set.policies[policy_id]
    clocks = tuple(replace(c, amount=amount) if c.kind == "answer" else c for c in policy.clocks)
    changed = replace(policy, clocks=clocks, version=f"{policy.version}+{amount}")
    runtime.policy_set = replace(runtime.policy_set, policies={**runtime.policy_set.policies, policy_id: changed})


@pytest.fixture
def appeal_id(runtime, clock):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    return routed_pit(runtime, clock)


def test_a_new_calendar_moves_nothing_until_recompute_is_run(runtime, clock, appeal_id):
    pinned = clock_row(appeal_id, "answer").calendar_version
    with_day_off(runtime, date(2026, 5, 6))

    answer = clock_row(appeal_id, "answer")
    assert (answer.due_at, answer.calendar_version, answer.deadline_version) == (WEDNESDAY_6_MAY, pinned, 1)

    report = recompute(runtime, actor="cli", reason="региональный праздник 6 мая")

    answer = clock_row(appeal_id, "answer")
    assert answer.due_at == at("Thu 2026-05-07 23:59 +0700").replace(second=59)
    assert answer.deadline_version == 2
    assert answer.calendar_version == runtime.policy_set.calendar_for(answer.body).version != pinned
    assert (report.examined, report.moved) == (1, 1)
    event = store.audit_trail(appeal_id)[-1]
    assert event.action == "clock.recomputed" and event.actor == "cli"
    assert event.details["reason"] == "региональный праздник 6 мая"
    assert event.details["calendar_version_before"] == pinned


def test_recomputing_twice_changes_nothing_the_second_time(runtime, appeal_id):
    with_day_off(runtime, date(2026, 5, 6))
    recompute(runtime, actor="cli", reason="праздник")

    report = recompute(runtime, actor="cli", reason="праздник")

    assert (report.examined, report.moved, report.repinned, report.unchanged) == (1, 0, 0, 1)
    assert clock_row(appeal_id, "answer").deadline_version == 2


def test_a_changed_policy_term_reaches_open_clocks_only_through_recompute(runtime, appeal_id):
    with_answer_days(runtime, "fz59", 20)
    assert clock_row(appeal_id, "answer").amount == 30

    recompute(runtime, actor="cli", reason="новый регламент")

    answer = clock_row(appeal_id, "answer")
    # 6 Apr + 20 days = Sun 26 Apr, moved to Monday
    assert (answer.amount, answer.due_at) == (20, at("Mon 2026-04-27 23:59 +0700").replace(second=59))
    assert answer.policy_version == runtime.policy_set.policies["fz59"].version


def test_recompute_keeps_the_extension_and_the_pause_credit_a_clock_earned(runtime, clock, appeal_id):
    clock.set(at("Mon 2026-04-13 10:00 +0700"))
    operate(runtime, appeal_id, "answer", "pause", {"reason": "x"}, actor="u:1", role="official")
    clock.set(at("Wed 2026-04-15 10:00 +0700"))
    operate(runtime, appeal_id, "answer", "resume", {}, actor="u:1", role="official")
    operate(runtime, appeal_id, "answer", "extend", {"days": 10, "reason": "экспертиза"}, actor="u:2", role="manager")
    assert clock_row(appeal_id, "answer").due_at == at("Mon 2026-05-18 23:59 +0700").replace(second=59)
    with_day_off(runtime, date(2026, 5, 18))

    recompute(runtime, actor="cli", reason="праздник")

    # 6 Apr + 30 + 2 (pause) + 10 (extension) = Mon 18 May, now a day off
    assert clock_row(appeal_id, "answer").due_at == at("Tue 2026-05-19 23:59 +0700").replace(second=59)


def test_a_dry_run_reports_what_would_move_and_changes_nothing(runtime, appeal_id):
    with_day_off(runtime, date(2026, 5, 6))

    report = recompute(runtime, actor="cli", reason="проверка", dry_run=True)

    assert report.moved == 1
    assert clock_row(appeal_id, "answer").due_at == WEDNESDAY_6_MAY
    assert store.audit_trail(appeal_id)[-1].action != "clock.recomputed"


def test_recompute_for_one_appeal_leaves_the_others_pinned(runtime, clock, appeal_id):
    # on another topic: a second pit on the same street would join the first one's incident, and a
    # member's clock follows the incident's (tests/test_incident_clocks.py)
    other = routed_pit(runtime, clock, external_id="c-2", category="housing")
    assert AppealRecord.get_by_id(other).incident_id is None
    with_day_off(runtime, date(2026, 5, 6))

    report = recompute(runtime, actor="cli", reason="праздник", appeal_id=other)

    assert report.examined == 1
    assert clock_row(appeal_id, "answer").due_at == WEDNESDAY_6_MAY
    assert clock_row(other, "answer").due_at != WEDNESDAY_6_MAY


def test_recompute_needs_a_reason(runtime):
    with pytest.raises(ValueError, match="reason"):
        recompute(runtime, actor="cli", reason=" ")
