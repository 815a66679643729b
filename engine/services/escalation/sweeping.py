"""The escalation sweep: every due ladder step becomes alerts in the outbox, exactly once.

Per clock the sweep keeps where it stands on its ladder (next level, next check time) and, for a
level that repeats until acknowledged, the repeat state. Each step runs in a transaction, re-reads
the clock and the appeal, and then does three things: load what the decision needs, decide with
one call of ``engine.domain.ladder.next_step``, write what it says (alerts, the breach, the new
state). Rows are claimed so that several workers never act on one clock at the same time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.ladder import ClockState, EscalationStep, RepeatState, next_step
from engine.domain.vocabulary import FINISHED_STATUSES
from engine.store import escalations, outbox
from engine.store.db import write_transaction

from ..notify import responsible_names, write_level
from .arming import ladder_named
from .batching import SweepWrites
from .catch_up import fold_catch_up, is_catch_up

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

PAGE = 200
BATCH = 200  # steps per transaction (a page); a failing batch is redone one step at a time


@dataclass
class SweepReport:
    steps: int = 0
    alerts: int = 0
    superseded: int = 0
    repeats: int = 0
    errors: int = 0
    letters: int = 0  # catch-up letters written in place of separate alerts (see catch_up.py)
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
    if is_catch_up(rt, report.lag_seconds) and (report.alerts or report.superseded or report.repeats):
        report.letters = fold_catch_up(rt, now)
    if report.steps or report.errors:
        log.info("sweep at %s: %s steps, %s alerts, %s superseded, %s repeats, %s errors, %s catch-up letters, "
                 "lag %.0f s", now.isoformat(), report.steps, report.alerts, report.superseded, report.repeats,
                 report.errors, report.letters, report.lag_seconds)
    return report


def lag_seconds(now: datetime) -> float:
    """Age of the oldest due step not yet processed (0 when the sweep is keeping up)."""
    oldest = escalations.oldest_due(now)
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _batch(rt: Runtime, ids: list[int], now: datetime, report: SweepReport) -> None:
    """Claim and act on a few due rows in one transaction; should one of them fail, the batch is
    rolled back and redone one step per transaction, so one bad clock holds up nobody else."""
    done = SweepReport()
    try:
        with write_transaction():
            rows = escalations.claim_many(ids, now)
            writes = SweepWrites(responsible=responsible_names(rt, {row.clock.appeal.id for row in rows}))
            for row in rows:
                _step(rt, row, now, done, writes)
            writes.flush(done)
    except Exception:
        if len(ids) > 1:
            for escalation_id in ids:
                _batch(rt, [escalation_id], now, report)
            return
        report.errors += 1
        log.exception("escalation %s: step failed; it stays due for the next sweep", ids[0])
        return
    report.add(done)


def _step(rt: Runtime, row, now: datetime, report: SweepReport, writes: SweepWrites) -> None:
    """One clock's step, on rows just re-read (and on PostgreSQL locked) in this transaction:
    load, decide, write."""
    clock, appeal = row.clock, row.clock.appeal
    ladder = ladder_named(rt, row.ladder_id)
    state = ClockState(started=clock.started_at, due=clock.due_at, basis=clock.basis, next_level=row.next_level,
                       running=not (clock.stopped_at or clock.paused_since or appeal.status in FINISHED_STATUSES),
                       breached=clock.breached_at is not None)
    repeat = RepeatState(row.repeat_level, row.repeat_count or 0, row.repeat_from)
    resting = ladder is None or not state.running
    cal = None if resting else rt.policy_set.calendar_for(clock.body)
    acknowledged = not resting and repeat.level is not None and outbox.level_acknowledged(
        appeal.id, clock.id, ladder.levels[repeat.level].id, clock.deadline_version)
    step = next_step(state, ladder, cal, repeat, now, acknowledged=acknowledged)
    _write(rt, row, appeal, clock, cal, step, now, report, writes)


def _write(rt: Runtime, row, appeal, clock, cal, step: EscalationStep, now: datetime, report: SweepReport,
           writes: SweepWrites) -> None:
    """Hand the step's alerts, audit lines and new state to the batch's writes (the breach is written now)."""
    report.steps += step.sends
    for level in step.superseded:
        write_level(rt, appeal, clock, level, cal, now, status="superseded", writes=writes, counter="superseded")
    if step.reached is not None:
        write_level(rt, appeal, clock, step.reached, cal, now, status="pending", writes=writes, counter="alerts")
    if step.repeats_stopped is not None:
        writes.audit(now, "system", "alert.repeats_stopped", appeal.id, clock=clock.kind, level=step.repeats_stopped.id)
    if step.repeat is not None:
        level, number = step.repeat
        write_level(rt, appeal, clock, level, cal, now, status="pending", repeat=number, writes=writes,
                    counter="repeats")
    if step.breached:
        escalations.mark_breached(clock, clock.due_at)
        writes.audit(now, "system", "clock.breached", appeal.id, clock=clock.kind, due=clock.due_at.isoformat())
    state = step.repeat_state
    writes.advance(row.id, escalations.advance_changes(
        next_level=step.next_level, next_check_at=step.next_check_at, now=now,
        repeat_level=state.level, repeat_count=state.count, repeat_from=state.since))
