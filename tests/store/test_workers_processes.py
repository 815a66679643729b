"""Worker processes: killed mid-sweep and restarted, racing on PostgreSQL, waiting for each other on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, EscalationRecord
from engine.store.worker_lock import single_worker
from tests.support.appeals import pit_appeal
from tests.support.paths import ROOT
from tests.support.seeding import seed_open_appeals
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.slow

SWEEP_AT = "2026-12-24T10:00:00+07:00"  # three quarters of the answer term have passed


@pytest.fixture
def due_steps(runtime, clock):
    """A routed pit appeal and clones of it: every one's 75 % warning is due at SWEEP_AT."""
    def seed(count: int) -> int:
        received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
        assert route_appeal(runtime, received.appeal_id)
        seed_open_appeals(received.appeal_id, total=count - 1, due=count - 1)
        return count
    return seed


def cli_env(runtime, **extra) -> dict:
    env = {**os.environ, "APPEALS_DATABASE_URL": runtime.settings.database_url,
           "APPEALS_RULES_DIR": str(runtime.settings.rules_dir), "APPEALS_MAIL_DIR": str(runtime.settings.mail_dir),
           "APPEALS_LOG_LEVEL": "WARNING",
           # these tests count one alert per due step; a sweep long after the steps fell due would fold them into
           # one catch-up letter per person (tests/escalation/test_catch_up_letters.py covers that)
           "APPEALS_CATCHUP_MINUTES": str(60 * 24 * 365), **extra}
    return env


def start_sweep(env, *extra) -> subprocess.Popen:
    # a test database: a sweep at a later moment is meant to write, which the command wants said
    return subprocess.Popen([sys.executable, "-m", "webhooks.cli", "sweep", "--now", SWEEP_AT, "--i-know-this-writes",
                             *extra], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 300) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"{out}\n{err}"
    return out


def alert_count() -> int:
    """Escalation alerts (one per due step); the sweep command also delivers replies to residents, and a
    channel without a token tells the administrator once, which is not a step of the ladder."""
    return AlertRecord.select().where(AlertRecord.clock.is_null(False)).count()


@pytest.mark.both_databases
def test_a_sweep_killed_midway_and_restarted_loses_and_duplicates_nothing(runtime, due_steps):
    total = due_steps(500)
    env = cli_env(runtime)
    first = start_sweep(env, "--no-deliver")
    deadline = time.monotonic() + 120
    while alert_count() < total // 10 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    written_before_kill = alert_count()
    assert 0 < written_before_kill < total, "the sweep should have been killed midway"

    smtp = SmtpServer().start()
    try:
        finish(start_sweep({**env, "APPEALS_SMTP_URL": smtp.url}))
        assert alert_count() == total
        alerts = [m for m in smtp.messages if m["X-Appeals-Alert"]]  # besides the letters to the appeals' authors
        assert len(alerts) == total
        keys = {m["X-Appeals-Alert"] for m in alerts}
    finally:
        smtp.stop()
    assert len(keys) == total
    assert AlertRecord.select().where(AlertRecord.status != "sent").count() == 0
    assert EscalationRecord.select().where(EscalationRecord.next_level != 1).count() == 0


@pytest.mark.postgres_only
@pytest.mark.postgres
def test_three_workers_on_postgresql_write_exactly_one_alert_per_due_step(runtime, due_steps):
    total = due_steps(10_000)
    env = cli_env(runtime)

    started = time.monotonic()
    workers = [start_sweep(env, "--no-deliver") for _ in range(3)]
    reports = [finish(w) for w in workers]
    elapsed = time.monotonic() - started

    assert alert_count() == total
    assert AlertRecord.select(AlertRecord.idempotency_key).distinct().count() == total
    assert EscalationRecord.select().where(EscalationRecord.next_level != 1).count() == 0
    shares = [int(r.split('"alerts": ')[1].split(",")[0]) for r in reports]
    assert sum(shares) == total
    print(f"3 workers, {total} due steps: {elapsed:.1f} s, shares {shares}")


def test_on_sqlite_a_second_worker_waits_for_the_first(runtime, due_steps, tmp_path):
    total = due_steps(50)
    log_path = tmp_path / "second.log"

    with single_worker(), open(log_path, "w") as log:  # this process is "the first worker"
        second = subprocess.Popen([sys.executable, "-m", "webhooks.cli", "sweep", "--now", SWEEP_AT, "--no-deliver",
                                   "--i-know-this-writes"],
                                  env=cli_env(runtime, APPEALS_LOG_LEVEL="INFO"), cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while "another worker holds" not in log_path.read_text() and second.poll() is None:
            assert time.monotonic() < deadline, f"the second worker never said it waits: {log_path.read_text()}"
            time.sleep(0.05)
        assert second.poll() is None, f"the second worker did not wait for the first: {log_path.read_text()}"
        assert alert_count() == 0  # waiting, it wrote nothing
    assert second.wait(timeout=300) == 0, log_path.read_text()
    assert alert_count() == total
