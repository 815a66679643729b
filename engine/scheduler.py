"""The worker loop: a `schedule.Scheduler` instance that runs the jobs each APPEALS_SWEEP_SECONDS,
routing each APPEALS_ROUTE_SECONDS (0.2 s by default: webhooks only store appeals and the resident's
acknowledgement waits for routing; a look that finds nothing costs one indexed query) and the daily
digest every few minutes. The jobs that send (residents' replies, staff alerts) run with their own
scheduler, each APPEALS_ROUTE_SECONDS, in a process of their own (`run_sending`, started by `appeals
worker`: APPEALS_SENDING=process) or on a thread of the worker's (`thread`): a platform that answers
slowly, or two thousand acknowledgements to write, never hold up routing, and a reply goes out while the
next batch is routed. Rules simulations asked for over HTTP run beside them on a thread of their own,
one at a time, so a backtest of a minute never delays the scheduled jobs."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import schedule

from engine.jobs import JOBS, SENDING, run_job, run_simulation_job
from engine.store.db import checkpoint

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

DIGEST_SECONDS = 300
CHECKPOINT_SECONDS = 0.5  # see engine.store.db.checkpoint
SIMULATION_POLL_SECONDS = 2.0  # how often an idle simulation thread looks for a queued simulation
SIMULATION_JOIN_SECONDS = 10.0  # how long a stopping worker waits for a simulation to give its record back
MAX_TICK_SECONDS = 0.5  # the longest a worker loop sleeps between looks at its schedule
SENDING_JOIN_SECONDS = 30.0  # how long a stopping worker waits for a send in progress to be recorded


def _checkpoint() -> None:
    try:
        checkpoint()
    except Exception:  # a busy or missing file is tried again next time
        log.exception("WAL checkpoint failed")


def build_scheduler(rt: Runtime, names=tuple(JOBS), *, checkpoints: bool = True) -> schedule.Scheduler:
    """A scheduler of the jobs `names` (all by default) and, with `checkpoints`, the SQLite checkpoint."""
    scheduler = schedule.Scheduler()
    every = max(int(rt.settings.sweep_seconds), 1)
    seconds_of = {
        "route": rt.settings.route_seconds,  # stored appeals wait for this job
        "reply": rt.settings.route_seconds,  # the acknowledgement follows routing closely
        "digest": max(every, DIGEST_SECONDS),  # the digest goes out once a day; every few minutes is plenty
        "calendar": max(every, DIGEST_SECONDS),  # a calendar changes with a rules version; an alert once a day
    }
    if checkpoints:
        scheduler.every(CHECKPOINT_SECONDS).seconds.do(_checkpoint).tag("checkpoint")
    for name in names:
        seconds = seconds_of.get(name, every)
        scheduler.every(seconds).seconds.do(run_job, rt, name).tag(name)
    return scheduler


def run_simulations(rt: Runtime, stop: threading.Event, poll: float = SIMULATION_POLL_SECONDS) -> None:
    """The simulation thread: queued rules simulations one after the other until ``stop``; a
    simulation running when ``stop`` is set goes back to the queue at its next progress."""
    while not stop.is_set():
        if run_simulation_job(rt, stop) is None:
            stop.wait(poll)


def start_simulation_thread(rt: Runtime, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=run_simulations, args=(rt, stop), name="simulations", daemon=True)
    thread.start()
    return thread


def run_jobs(rt: Runtime, scheduler: schedule.Scheduler, names, stop: threading.Event, tick: float) -> None:
    """Run `names` at once (catching up after a restart), then the scheduler's jobs as they fall due."""
    for name in names:
        if stop.is_set():
            return
        run_job(rt, name)
    while not stop.is_set():
        scheduler.run_pending()
        stop.wait(tick)


def _tick(rt: Runtime, tick: float | None) -> float:
    return tick if tick is not None else min(MAX_TICK_SECONDS, rt.settings.route_seconds / 2)


def run_forever(rt: Runtime, stop: threading.Event | None = None, tick: float | None = None, *,
                sending: bool = True) -> None:
    """The worker until `stop`: the deciding jobs on this thread, the sending ones (unless `sending` is
    false: another process sends, see `run_sending`) and the simulations on threads of their own. The loops
    look at their schedules every `tick` seconds (by default half the route interval, at most half a second),
    so an appeal stored while the worker is idle is routed within about APPEALS_ROUTE_SECONDS."""
    stop = stop or threading.Event()
    tick = _tick(rt, tick)
    deciding = [name for name in JOBS if name not in SENDING]
    scheduler = build_scheduler(rt, deciding)
    names = JOBS if sending else deciding
    log.info("worker started: jobs %s every %s s", ", ".join(names), rt.settings.sweep_seconds)
    simulations = start_simulation_thread(rt, stop)
    sender = None
    if sending:
        sender = threading.Thread(target=run_jobs, name="sending", daemon=True,
                                  args=(rt, build_scheduler(rt, SENDING, checkpoints=False), SENDING, stop, tick))
        sender.start()
    run_jobs(rt, scheduler, deciding, stop, tick)
    if sender is not None:
        sender.join(SENDING_JOIN_SECONDS)
    simulations.join(SIMULATION_JOIN_SECONDS)
    log.info("worker stopped")


def run_sending(rt: Runtime, stop: threading.Event, tick: float | None = None) -> None:
    """The sending jobs alone until `stop`: what a worker's sending process runs (APPEALS_SENDING=process)."""
    log.info("sending started: jobs %s", ", ".join(SENDING))
    run_jobs(rt, build_scheduler(rt, SENDING, checkpoints=False), SENDING, stop, _tick(rt, tick))
    log.info("sending stopped")
