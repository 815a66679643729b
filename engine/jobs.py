"""Scheduled jobs, registered by name; each runs with its own connection and catches its own errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.services.calendar_watch import watch_calendar
from engine.services.delivery import deliver_pending
from engine.services.digest import send_digests
from engine.services.escalation import sweep
from engine.services.reply_delivery import deliver_replies
from engine.services.routing import route_pending
from engine.services.rules import simulations
from engine.services.watch_poll import watch_walls
from engine.store.db import connection, write_transaction
from engine.store.worker_lock import single_worker

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


def route_job(rt: Runtime):
    return route_pending(rt)


def sweep_job(rt: Runtime):
    return sweep(rt)


def digest_job(rt: Runtime):
    return send_digests(rt)


def deliver_job(rt: Runtime):
    return deliver_pending(rt)


def calendar_job(rt: Runtime):
    return watch_calendar(rt)


def reply_job(rt: Runtime):
    return deliver_replies(rt)


def watch_job(rt: Runtime):
    return watch_walls(rt)


# order matters within one tick (`run_all`, `appeals sweep`): route what arrived, escalate, send the residents'
# replies, then deliver the alerts written (a reply's dead letter among them); the worker sends from a process
# or a thread of its own (engine.scheduler), every route interval
JOBS: dict[str, Callable] = {
    "watch": watch_job,  # read the watched VK walls: their complaints are routed in the same tick
    "route": route_job,
    "sweep": sweep_job,
    "digest": digest_job,
    "reply": reply_job,
    "deliver": deliver_job,
    "calendar": calendar_job,  # provisional deadlines recomputed once official; the missing year told daily
}


# the jobs that talk to the outside world to send: the worker runs them in a process (or on a thread) of their own
SENDING = ("reply", "deliver")


def run_job(rt: Runtime, name: str):
    """Run one job now; an exception is logged, never propagated to the scheduler loop.

    On SQLite the job waits until no other worker process is running one of its kind, deciding or
    sending (see worker_lock)."""
    job = JOBS[name]
    try:
        with connection(), single_worker("sending" if name in SENDING else "jobs"):
            return job(rt)
    except Exception:
        log.exception("job %s failed", name)
        return None


class _Discard(Exception):
    """Raised at the end of a rehearsal so that its transaction is rolled back."""


def rehearse(rt: Runtime, names: list[str]) -> dict:
    """Run jobs in one transaction that is rolled back at the end: what they would do, with nothing
    written. Delivery and reading watched walls cannot be rehearsed (they talk to the outside world) and
    are refused."""
    if "deliver" in names or "reply" in names or "watch" in names:
        raise ValueError("delivery cannot be rehearsed")
    results = {}
    try:
        with connection(), single_worker(), write_transaction():
            for name in names:
                results[name] = JOBS[name](rt)
            raise _Discard
    except _Discard:
        pass
    return results


def run_all(rt: Runtime) -> dict:
    return {name: run_job(rt, name) for name in JOBS}


def run_simulation_job(rt: Runtime, stop: threading.Event | None = None) -> int | None:
    """Run the oldest queued rules simulation now, on this thread: its id, or None when none waited
    (or it could not start; logged). Not one of JOBS: the worker runs it on a thread of its own
    (engine.scheduler) and without the single-worker lock, so a long backtest never holds up
    routing, the sweep or delivery."""
    try:
        with connection():
            return simulations.run_next(rt, stop=stop)
    except Exception:
        log.exception("job simulate failed")
        return None
