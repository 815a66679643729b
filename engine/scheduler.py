"""The worker loop: a `schedule.Scheduler` instance that runs the jobs each APPEALS_SWEEP_SECONDS
(the daily digest every few minutes)."""

from __future__ import annotations

import logging
import threading

import schedule

from engine.jobs import JOBS, run_job

log = logging.getLogger(__name__)

DIGEST_SECONDS = 300


def build_scheduler(rt) -> schedule.Scheduler:
    scheduler = schedule.Scheduler()
    every = max(int(rt.settings.sweep_seconds), 1)
    for name in JOBS:
        # the digest goes out once a day; looking every few minutes is plenty
        seconds = max(every, DIGEST_SECONDS) if name == "digest" else every
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
