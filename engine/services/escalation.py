"""The escalation sweep: every due ladder step becomes alerts in the outbox, exactly once.

Per clock the sweep keeps where it stands on its ladder (next level, next check time) and, for a
level that repeats until acknowledged, the repeat state. Each step runs in its own transaction
and re-reads the clock and the appeal before acting; rows are claimed so that several workers
never act on one clock at the same time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.ladder import level_time, plan, repeat_time
from engine.domain.vocabulary import FINISHED_STATUSES
from engine.store import appeals as store
from engine.store import escalations, outbox
from engine.store.db import write_transaction

from .notify import write_level

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

PAGE = 200
BATCH = 50  # steps per transaction; a failing batch is redone one step at a time
MAX_REPEAT_SCAN = 10_000


@dataclass
class SweepReport:
    steps: int = 0
    alerts: int = 0
    superseded: int = 0
    repeats: int = 0
    errors: int = 0
    lag_seconds: float = 0.0

    def add(self, other: SweepReport) -> None:
        for f in fields(self):
            if f.name != "lag_seconds":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def sweep(rt: Runtime, *, page: int = PAGE) -> SweepReport:
    """Process every due step at `rt.now()`, page after page until none is left."""
    now = rt.now()
    report = SweepReport(lag_seconds=lag_seconds(now))
    cursor = None
    while True:
        due = escalations.due_steps(now, after=cursor, limit=page)
        if not due:
            break
        cursor = due[-1]
        ids = [escalation_id for _, escalation_id in due]
        for start in range(0, len(ids), BATCH):
            _batch(rt, ids[start:start + BATCH], now, report)
    if report.steps or report.errors:
        log.info("sweep at %s: %s steps, %s alerts, %s superseded, %s repeats, %s errors, lag %.0f s",
                 now.isoformat(), report.steps, report.alerts, report.superseded, report.repeats, report.errors,
                 report.lag_seconds)
    return report


def lag_seconds(now: datetime) -> float:
    """Age of the oldest due step not yet processed (0 when the sweep is keeping up)."""
    oldest = escalations.oldest_due(now)
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def clock_facts(appeal, clock) -> dict:
    """The facts the ladder selection rules see for one clock of an appeal."""
    return {
        "clock_kind": clock.kind, "policy": clock.policy_id, "body": clock.body, "regime": appeal.regime,
        "priority": appeal.priority, "topic": appeal.topic, "status": appeal.status, "channel": appeal.channel,
        "municipality": appeal.municipality, "urgency": appeal.urgency, "fz59": bool(appeal.fz59),
    }


def arm_clock(policy_set, clock, facts: dict, cal, now: datetime) -> str | None:
    """Give a new clock its ladder (chosen by the escalation rules) and its first check time."""
    ladder = policy_set.ladder_for(facts)
    if ladder is None:
        return None
    first = plan(ladder, started=clock.started_at, due=clock.due_at, basis=clock.basis, cal=cal,
                 now=clock.started_at, next_level=0)
    escalations.arm(clock, ladder.id, first.next_check_at, now)
    return ladder.id


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


def _ladder(rt: Runtime, ladder_id: str):
    return next((lad for lad in rt.policy_set.ladders if lad.id == ladder_id), None)


def _batch(rt: Runtime, ids: list[int], now: datetime, report: SweepReport) -> None:
    """Claim and act on a few due rows in one transaction; should one of them fail, the batch is
    rolled back and redone one step per transaction, so one bad clock holds up nobody else."""
    done = SweepReport()
    try:
        with write_transaction():
            for row in escalations.claim_many(ids, now):
                _act(rt, row, now, done)
    except Exception:
        if len(ids) > 1:
            for escalation_id in ids:
                _batch(rt, [escalation_id], now, report)
            return
        report.errors += 1
        log.exception("escalation %s: step failed; it stays due for the next sweep", ids[0])
        return
    report.add(done)


def _act(rt: Runtime, row, now: datetime, report: SweepReport) -> None:
    """One clock's step, on rows just re-read (and on PostgreSQL locked) in this transaction."""
    clock = row.clock
    appeal = clock.appeal
    ladder = _ladder(rt, row.ladder_id)
    if ladder is None or clock.stopped_at or clock.paused_since or appeal.status in FINISHED_STATUSES:
        escalations.advance(row, next_level=row.next_level, next_check_at=None, now=now, repeat_level=None)
        return
    cal = rt.policy_set.calendar_for(clock.body)
    step = plan(ladder, started=clock.started_at, due=clock.due_at, basis=clock.basis, cal=cal,
                now=now, next_level=row.next_level)
    repeat = {"level": row.repeat_level, "count": row.repeat_count or 0, "since": row.repeat_from}
    if step.reached is not None:
        report.steps += 1
        for index in step.superseded:
            report.superseded += write_level(rt, appeal, clock, ladder.levels[index], cal, now, status="superseded")
        level = ladder.levels[step.reached]
        report.alerts += write_level(rt, appeal, clock, level, cal, now, status="pending")
        # only the highest level reached repeats; a new level ends the repeats of the one below
        repeat = {"level": step.reached if level.repeat_hours else None, "count": 0, "since": now}
    elif repeat["level"] is not None:
        repeat = _repeat(rt, appeal, clock, ladder, cal, now, repeat, report)
    if now >= clock.due_at and clock.breached_at is None:
        escalations.mark_breached(clock, clock.due_at)
        store.audit(now, "system", "clock.breached", appeal.id, clock=clock.kind, due=clock.due_at.isoformat())
    next_level = step.reached + 1 if step.reached is not None else row.next_level
    next_check = step.next_check_at
    if repeat["level"] is not None:
        upcoming = repeat_time(ladder.levels[repeat["level"]], repeat["since"], repeat["count"] + 1, cal)
        next_check = upcoming if next_check is None else min(next_check, upcoming)
    escalations.advance(row, next_level=next_level, next_check_at=next_check, now=now,
                        repeat_level=repeat["level"], repeat_count=repeat["count"],
                        repeat_from=repeat["since"] if repeat["level"] is not None else None)


def _repeat(rt: Runtime, appeal, clock, ladder, cal, now: datetime, repeat: dict, report: SweepReport) -> dict:
    """Send the latest repeat that has fallen due (one, however long the sweep was away) unless
    someone acknowledged the level; return the new repeat state."""
    level = ladder.levels[repeat["level"]]
    if outbox.level_acknowledged(appeal.id, clock.id, level.id, clock.deadline_version):
        store.audit(now, "system", "alert.repeats_stopped", appeal.id, clock=clock.kind, level=level.id)
        return {"level": None, "count": 0, "since": None}
    count = repeat["count"]
    while count < MAX_REPEAT_SCAN and repeat_time(level, repeat["since"], count + 1, cal) <= now:
        count += 1
    if count > repeat["count"]:
        report.steps += 1
        report.repeats += write_level(rt, appeal, clock, level, cal, now, status="pending", repeat=count)
    return {**repeat, "count": count}


def rearm_clock(rt: Runtime, clock, now: datetime, *, row=None) -> None:
    """After a clock's due time moved (extension, pause, recompute; the caller has bumped its
    deadline_version): levels now ahead fire again for the new version, levels already passed
    stay passed. Repeats of the old deadline stop. Runs inside the caller's transaction.
    ``row``: the clock's escalation row when the caller has just read it."""
    row = row if row is not None else escalations.for_clock(clock.id)
    if row is None:
        return
    ladder = _ladder(rt, row.ladder_id)
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
