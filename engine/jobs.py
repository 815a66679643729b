"""Scheduled jobs, registered by name; each runs with its own connection and catches its own errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

from engine.services.delivery import deliver_pending
from engine.services.digest import send_digests
from engine.services.escalation import sweep
from engine.services.intake import route_pending
from engine.store.db import connection
from engine.store.worker_lock import single_worker

log = logging.getLogger(__name__)


def route_job(rt):
    return route_pending(rt)


def sweep_job(rt):
    return sweep(rt)


def digest_job(rt):
    return send_digests(rt)


def deliver_job(rt):
    return deliver_pending(rt)


# order matters within one tick: route what arrived, escalate, then deliver what was written
JOBS: dict[str, Callable] = {
    "route": route_job,
    "sweep": sweep_job,
    "digest": digest_job,
    "deliver": deliver_job,
}


def run_job(rt, name: str):
    """Run one job now; an exception is logged, never propagated to the scheduler loop.

    On SQLite the job waits until no other worker process is running one (see worker_lock)."""
    job = JOBS[name]
    try:
        with connection(), single_worker():
            return job(rt)
    except Exception:
        log.exception("job %s failed", name)
        return None


def run_all(rt) -> dict:
    return {name: run_job(rt, name) for name in JOBS}
