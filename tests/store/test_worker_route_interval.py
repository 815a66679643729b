"""APPEALS_ROUTE_SECONDS takes decimals (0.2 s by default): the worker's route and reply jobs run at that
interval and its loops look at their schedules twice as often, so a resident's acknowledgement does not
wait a second or more for an idle worker."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from engine import scheduler
from engine.config import Settings
from engine.domain.appeal import Author, IncomingAppeal
from engine.services.intake import receive_appeal
from engine.store.db import connection
from engine.store.models import AppealRecord


@pytest.mark.parametrize(("given", "seconds"), [(None, 0.2), ("0.5", 0.5), ("2", 2.0), ("0.05", 0.05)])
def test_the_route_interval_is_a_number_of_seconds_with_a_decimal_default(given, seconds):
    env = {} if given is None else {"APPEALS_ROUTE_SECONDS": given}
    assert Settings.from_env(env).route_seconds == seconds


@pytest.mark.parametrize("given", ["0.01", "0", "-1", "nan", "inf", "often", ""])
def test_a_route_interval_too_short_or_not_a_number_is_refused_by_name(given):
    with pytest.raises(ValueError, match="APPEALS_ROUTE_SECONDS"):
        Settings.from_env({"APPEALS_ROUTE_SECONDS": given})


def test_the_route_and_reply_jobs_run_at_the_route_interval_and_the_others_at_theirs(runtime):
    runtime.settings = replace(runtime.settings, route_seconds=0.2, sweep_seconds=30)

    jobs = {next(iter(job.tags)): job for job in scheduler.build_scheduler(runtime).jobs}

    period = {name: timedelta(**{job.unit: job.interval}) for name, job in jobs.items()}
    assert period["route"] == period["reply"] == timedelta(seconds=0.2)
    assert period["sweep"] == timedelta(seconds=30)
    assert period["digest"] == timedelta(seconds=scheduler.DIGEST_SECONDS)


def finished_thread() -> threading.Thread:
    thread = threading.Thread(target=lambda: None)
    thread.start()
    return thread


@pytest.mark.parametrize(("route_seconds", "tick"), [(0.2, 0.1), (0.05, 0.025), (5.0, scheduler.MAX_TICK_SECONDS)])
def test_the_worker_loops_look_at_their_schedules_twice_per_route_interval(runtime, monkeypatch, route_seconds, tick):
    runtime.settings = replace(runtime.settings, route_seconds=route_seconds)
    ticks = []
    monkeypatch.setattr(scheduler, "run_jobs", lambda rt, sched, names, stop, t: ticks.append(t))
    monkeypatch.setattr(scheduler, "start_simulation_thread", lambda rt, stop: finished_thread())

    scheduler.run_forever(runtime, threading.Event())

    assert ticks == [tick, tick]  # the deciding loop and the sending one


def test_a_worker_with_a_decimal_interval_routes_an_appeal_stored_while_it_idles(runtime):
    runtime.settings = replace(runtime.settings, route_seconds=0.2)
    stop = threading.Event()
    worker = threading.Thread(target=scheduler.run_forever, args=(runtime, stop), daemon=True)
    worker.start()
    try:
        time.sleep(0.5)  # the worker has looked, found nothing, and waits
        incoming = IncomingAppeal(channel="portal", external_id="idle-1", text="На ул. Попова огромные ямы",
                                  received_at=runtime.now(), author=Author(name="Анна", contact="anna@example.ru"),
                                  municipality="barnaul", category="roads", fz59=True, regime="fz59")
        appeal_id = receive_appeal(runtime, incoming, "{}", actor="test").appeal_id
        stored = time.monotonic()
        routed = None
        while time.monotonic() - stored < 10:
            with connection():
                if AppealRecord.get_by_id(appeal_id).status == "routed":
                    routed = time.monotonic() - stored
                    break
            time.sleep(0.02)
        # how soon is the bench's (bench/pipeline.py: routing lag); a loaded test machine only bounds it
        assert routed is not None and routed < 5, "the worker never routed the appeal"
    finally:
        stop.set()
        worker.join(timeout=60)
    assert not worker.is_alive()
