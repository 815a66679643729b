"""Backtests of a draft as stored jobs: queued by the API, claimed and run by one worker.

Claiming is one conditional UPDATE (the oldest queued record, still queued), so of several
workers only one gets a record. The run that claimed it is named in ``claim``: progress, the
report and a failure are written only while the record is still that run's, so a worker that
was given up for dead cannot overwrite what came after.
"""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from .models import SimulationRecord

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
SIMULATION_STATUSES = (QUEUED, RUNNING, DONE, FAILED)

# what a list shows: everything but the draft and the report
_SUMMARY_FIELDS = [f for f in SimulationRecord._meta.sorted_fields if f.name not in ("files", "result")]


def create(*, files: dict[str, str], files_hash: str | None, requested_by: str, since: datetime,
           limit: int | None, now: datetime) -> SimulationRecord:
    return SimulationRecord.create(status=QUEUED, requested_by=requested_by, files=files, files_hash=files_hash,
                                   since=since, appeal_limit=limit, created_at=now)


def get(simulation_id: int) -> SimulationRecord | None:
    return SimulationRecord.get_or_none(SimulationRecord.id == simulation_id)


def recent(limit: int) -> list[SimulationRecord]:
    """The newest first, without their drafts and reports."""
    return list(SimulationRecord.select(*_SUMMARY_FIELDS).order_by(SimulationRecord.id.desc()).limit(limit))


def fail_stale(*, quiet_since: datetime, now: datetime, message: str) -> list[int]:
    """Fail the running records whose worker wrote nothing since ``quiet_since``; their ids."""
    stale = ((SimulationRecord.status == RUNNING)
             & (fn.COALESCE(SimulationRecord.heartbeat_at, SimulationRecord.started_at) < quiet_since))
    ids = [r.id for r in SimulationRecord.select(SimulationRecord.id).where(stale)]
    if not ids:
        return []
    (SimulationRecord.update(status=FAILED, error=message, finished_at=now)
     .where(stale & SimulationRecord.id.in_(ids)).execute())
    return ids


def claim_next(*, claim: str, now: datetime) -> SimulationRecord | None:
    """Take the oldest queued record for the run named ``claim``: one UPDATE whose condition
    (still queued) lets only one of several claimers change the row."""
    oldest = SimulationRecord.select(fn.MIN(SimulationRecord.id)).where(SimulationRecord.status == QUEUED)
    taken = (SimulationRecord.update(status=RUNNING, claim=claim, started_at=now, heartbeat_at=now)
             .where((SimulationRecord.status == QUEUED) & (SimulationRecord.id == oldest)).execute())
    if not taken:
        return None
    return SimulationRecord.get_or_none(SimulationRecord.claim == claim)


def _held(simulation_id: int, claim: str):
    return ((SimulationRecord.id == simulation_id) & (SimulationRecord.status == RUNNING)
            & (SimulationRecord.claim == claim))


def record_progress(simulation_id: int, claim: str, *, done: int, total: int | None, now: datetime) -> bool:
    """Progress and heartbeat; False when the record is no longer this run's."""
    return bool(SimulationRecord.update(progress_done=done, progress_total=total, heartbeat_at=now)
                .where(_held(simulation_id, claim)).execute())


def finish(simulation_id: int, claim: str, *, result: dict, done: int, now: datetime) -> bool:
    return bool(SimulationRecord.update(status=DONE, result=result, progress_done=done, progress_total=done,
                                        finished_at=now, heartbeat_at=now)
                .where(_held(simulation_id, claim)).execute())


def fail(simulation_id: int, claim: str, *, error: str, now: datetime) -> bool:
    return bool(SimulationRecord.update(status=FAILED, error=error[:2000], finished_at=now, heartbeat_at=now)
                .where(_held(simulation_id, claim)).execute())


def requeue(simulation_id: int, claim: str) -> bool:
    """Give a record back to the queue (its worker is stopping), as it was before the claim."""
    return bool(SimulationRecord.update(status=QUEUED, claim=None, started_at=None, heartbeat_at=None,
                                        progress_done=0, progress_total=None)
                .where(_held(simulation_id, claim)).execute())
