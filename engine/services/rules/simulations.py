"""Backtests of a draft as stored jobs, for drafts too large to replay within a request.

``submit`` checks the draft at once (a broken one is refused as by ``backtest.simulate_draft``)
and queues it. The worker's simulation thread calls ``run_next``: it claims the oldest queued
record, runs ``backtest.simulate_draft`` on it, writes the progress (and with it a heartbeat) about
once a second, and at the end the report or the error. A running record whose worker has written
nothing for ``STALE_AFTER`` (the worker died or was killed) is failed by the next claim. ``view``
reads a record back. Times come from the runtime's clock.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.services.views import iso
from engine.store import replay
from engine.store import simulations as store
from engine.store.db import write_transaction

from . import backtest
from .check import DEFAULT_TIMEOUT
from .versions import RulesRefused, check_draft

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

# Longer than the quiet stretches of a healthy run: the draft's check (at most DEFAULT_TIMEOUT),
# loading the draft and starting the replay's worker processes (at most two minutes each).
STALE_AFTER = timedelta(minutes=10)
PROGRESS_EVERY = timedelta(seconds=1)
RECENT = 50

QUEUED, RUNNING, DONE, FAILED = store.QUEUED, store.RUNNING, store.DONE, store.FAILED


class RunAbandoned(Exception):
    """The record is no longer this run's: it was failed as stale meanwhile."""


class RunInterrupted(Exception):
    """The worker is stopping; the record goes back to the queue."""


def submit(files: dict[str, str], *, since: datetime, limit: int | None, requested_by: str, now: datetime,
           timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Check the draft now and queue its backtest; RulesRefused (nothing stored) when the check
    finds errors, as ``backtest.simulate_draft`` would."""
    report = check_draft(files, timeout=timeout)
    with write_transaction():
        record = store.create(files=files, files_hash=report.files_hash, requested_by=requested_by, since=since,
                              limit=limit, now=now)
    log.info("simulation %s queued by %s: appeals since %s", record.id, requested_by, since.isoformat())
    return view(record)


def run_next(rt: Runtime, *, stop: threading.Event | None = None) -> int | None:
    """Claim the oldest queued simulation and run it on this thread; its id, or None when none
    waited. Stale running records are failed first. When ``stop`` is set during the run, the
    record goes back to the queue."""
    now = rt.now()
    claim = uuid.uuid4().hex
    minutes = int(STALE_AFTER.total_seconds() // 60)
    with write_transaction():
        stale = store.fail_stale(quiet_since=now - STALE_AFTER, now=now,
                                 message=f"the worker running this simulation stopped: no progress for "
                                         f"{minutes} minutes; start the simulation again")
        record = store.claim_next(claim=claim, now=now)
    for simulation_id in stale:
        log.warning("simulation %s failed: its worker wrote no progress for %s minutes", simulation_id, minutes)
    if record is None:
        return None
    log.info("simulation %s started (queued by %s)", record.id, record.requested_by)
    progress = _Progress(rt, record.id, claim, stop)
    try:
        total = replay.count_since(record.since)
        progress(0, min(total, record.appeal_limit) if record.appeal_limit is not None else total)
        result = backtest.simulate_draft(record.files, rt.policy_set, since=record.since, limit=record.appeal_limit,
                                         progress=progress)
    except RunAbandoned:
        log.warning("simulation %s was given up while it ran here (no progress for too long)", record.id)
        return record.id
    except RunInterrupted:
        with write_transaction():
            store.requeue(record.id, claim)
        log.info("simulation %s queued again: the worker is stopping", record.id)
        return record.id
    except RulesRefused as exc:
        _fail(rt, record.id, claim, str(exc))
        return record.id
    except Exception as exc:
        log.exception("simulation %s failed", record.id)
        _fail(rt, record.id, claim, f"{type(exc).__name__}: {exc}")
        return record.id
    with write_transaction():
        finished = store.finish(record.id, claim, result=result, done=result["appeals"], now=rt.now())
    if finished:
        log.info("simulation %s done: %s appeals, %s would change", record.id, result["appeals"], result["changed"])
    else:
        log.warning("simulation %s finished after it was given up; its report is not kept", record.id)
    return record.id


def _fail(rt: Runtime, simulation_id: int, claim: str, error: str) -> None:
    with write_transaction():
        store.fail(simulation_id, claim, error=error, now=rt.now())
    log.warning("simulation %s failed: %s", simulation_id, error)


class _Progress:
    """The progress callback of one run: writes (done, total) and the heartbeat at most every
    PROGRESS_EVERY, and always the last call; stops the run when the worker stops or the record
    is no longer this run's."""

    def __init__(self, rt, simulation_id: int, claim: str, stop: threading.Event | None):
        self.rt, self.simulation_id, self.claim, self.stop = rt, simulation_id, claim, stop
        self.written_at: datetime | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.stop is not None and self.stop.is_set():
            raise RunInterrupted
        now = self.rt.now()
        if self.written_at is not None and now - self.written_at < PROGRESS_EVERY and done < total:
            return
        with write_transaction():
            held = store.record_progress(self.simulation_id, self.claim, done=done, total=total, now=now)
        if not held:
            raise RunAbandoned
        self.written_at = now


def get(simulation_id: int) -> dict | None:
    record = store.get(simulation_id)
    return view(record) if record is not None else None


def recent(limit: int = RECENT) -> list[dict]:
    """The newest simulations first, without their reports."""
    return [view(record, with_result=False) for record in store.recent(limit)]


def view(record, *, with_result: bool = True) -> dict:
    out = {
        "id": record.id, "status": record.status, "requested_by": record.requested_by,
        "since": iso(record.since), "limit": record.appeal_limit, "files_hash": record.files_hash,
        "created_at": iso(record.created_at), "started_at": iso(record.started_at),
        "finished_at": iso(record.finished_at), "heartbeat_at": iso(record.heartbeat_at),
        "progress": {"done": record.progress_done, "total": record.progress_total},
    }
    if with_result and record.status == DONE:
        out["result"] = record.result
    if record.status == FAILED:
        out["error"] = record.error
    return out
