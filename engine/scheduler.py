"""The worker loop: a `schedule.Scheduler` instance that runs the jobs each APPEALS_SWEEP_SECONDS,
routing each APPEALS_ROUTE_SECONDS (webhooks only store appeals) and the daily digest every few
minutes."""

from __future__ import annotations

import logging
import threading

import schedule

from engine.jobs import JOBS, run_job
from engine.store.db import checkpoint

log = logging.getLogger(__name__)

DIGEST_SECONDS = 300
CHECKPOINT_SECONDS = 5


def _checkpoint() -> None:
    try:
        checkpoint()
    except Exception:  # a busy or missing file is tried again next time
        log.exception("WAL checkpoint failed")


def build_scheduler(rt) -> schedule.Scheduler:
    scheduler = schedule.Scheduler()
    every = max(int(rt.settings.sweep_seconds), 1)
    seconds_of = {
        "route": max(int(rt.settings.route_seconds), 1),  # stored appeals wait for this job
        "digest": max(every, DIGEST_SECONDS),  # the digest goes out once a day; every few minutes is plenty
    }
    scheduler.every(CHECKPOINT_SECONDS).seconds.do(_checkpoint).tag("checkpoint")
    for name in JOBS:
        seconds = seconds_of.get(name, every)
        scheduler.every(seconds).seconds.do(run_job, rt, name).tag(name)
    return scheduler


def run_forever(rt, stop: threading.Event | None = None, tick: float = 0.5) -> None:
    stop = stop or threading.Event()
    scheduler = build_scheduler(rt)
    log.info("worker started: jobs %s every %s s", ", ".join(JOBS), rt.settings.sweep_seconds)
    for name in JOBS:  # catch up at once after a restart
        run_job(rt, name)
    while not stop.is_set():
        scheduler.run_pending()
        stop.wait(tick)
    log.info("worker stopped")
