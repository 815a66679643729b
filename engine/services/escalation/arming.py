"""Arming a clock's escalation: its ladder (chosen by the escalation rules) and the time of its
first check; re-arming when its due time moves. Each runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.ladder import Ladder, level_time, plan
from engine.store import escalations

if TYPE_CHECKING:
    from engine.runtime import Runtime


def clock_facts(appeal, clock) -> dict:
    """The facts the ladder selection rules see for one clock of an appeal."""
    return {
        "clock_kind": clock.kind, "policy": clock.policy_id, "body": clock.body, "regime": appeal.regime,
        "priority": appeal.priority, "topic": appeal.topic, "status": appeal.status, "channel": appeal.channel,
        "municipality": appeal.municipality, "urgency": appeal.urgency, "fz59": bool(appeal.fz59),
    }


def first_check(policy_set, facts: dict, *, started: datetime, due: datetime, basis: str,
                cal) -> tuple[str, datetime | None] | None:
    """(ladder id, first check time) the escalation rules give a new clock with these facts, or
    None when no ladder applies. Pure: routing plans a batch of clocks before it writes them."""
    ladder = policy_set.ladder_for(facts)
    if ladder is None:
        return None
    first = plan(ladder, started=started, due=due, basis=basis, cal=cal, now=started, next_level=0)
    return ladder.id, first.next_check_at


def arm_clock(policy_set, clock, facts: dict, cal, now: datetime) -> str | None:
    """Give a new clock its ladder (chosen by the escalation rules) and its first check time."""
    found = first_check(policy_set, facts, started=clock.started_at, due=clock.due_at, basis=clock.basis, cal=cal)
    if found is None:
        return None
    escalations.arm(clock, found[0], found[1], now)
    return found[0]


def arm_started(rt: Runtime, appeal, clock, now: datetime) -> str | None:
    """A clock started (or restarted) after routing — at the interim answer, on reopening: re-arm
    the ladder it already has for its new due time, or give it one as routing would. Runs inside
    the caller's transaction; the caller has bumped ``deadline_version`` of a clock that had a
    due time before, so the alerts of the new term fire again."""
    row = escalations.for_clock(clock.id)
    if row is not None:
        rearm_clock(rt, clock, now, row=row)
        return row.ladder_id
    return arm_clock(rt.policy_set, clock, clock_facts(appeal, clock), rt.policy_set.calendar_for(clock.body), now)


def ladder_named(rt: Runtime, ladder_id: str) -> Ladder | None:
    """The ladder of the active policy set with this id (None once a new rules version dropped it)."""
    return next((lad for lad in rt.policy_set.ladders if lad.id == ladder_id), None)


def rearm_clock(rt: Runtime, clock, now: datetime, *, row=None) -> None:
    """After a clock's due time moved (extension, pause, recompute; the caller has bumped its
    deadline_version): levels now ahead fire again for the new version, levels already passed
    stay passed. Repeats of the old deadline stop. Runs inside the caller's transaction.
    ``row``: the clock's escalation row when the caller has just read it."""
    row = row if row is not None else escalations.for_clock(clock.id)
    if row is None:
        return
    ladder = ladder_named(rt, row.ladder_id)
    if ladder is None or clock.stopped_at:
        escalations.advance(row, next_level=row.next_level, next_check_at=None, now=now, repeat_level=None)
        return
    cal = rt.policy_set.calendar_for(clock.body)
    times = [level_time(lv, clock.started_at, clock.due_at, clock.basis, cal) for lv in ladder.levels]
    first_ahead = next((i for i, t in enumerate(times) if t > now), len(times))
    next_level = min(row.next_level, first_ahead)
    next_check = None if clock.paused_since else (times[next_level] if next_level < len(times) else None)
    escalations.advance(row, next_level=next_level, next_check_at=next_check, now=now,
                        repeat_level=None, repeat_count=0, repeat_from=None)
