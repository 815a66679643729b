"""An appeal's whole journey through real processes: signed webhook → stored → routed by the worker →
deadlines → e-mails."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest

from engine.jobs import JOBS, SENDING
from tests.support.http_receivers import TelegramBotApi
from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, http, running_service, running_worker
from tests.support.signing import body_of, signed_headers
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]


@pytest.fixture
def service_env(database_url, tmp_path):
    smtp = SmtpServer().start()
    env = {
        **os.environ,
        "APPEALS_DATABASE_URL": database_url,
        "APPEALS_RULES_DIR": str(RULES_DIR),
        "APPEALS_SMTP_URL": smtp.url,
        "APPEALS_MAIL_DIR": str(tmp_path / "mail"),
        "APPEALS_SWEEP_SECONDS": "1",
    }
    env.pop("APPEALS_ROUTING", None)  # the default: the webhook stores the appeal, the worker routes it
    yield env, smtp
    smtp.stop()


def test_a_signed_appeal_is_routed_by_the_worker_given_deadlines_and_escalated_by_email_exactly_once(
        service_env, tmp_path):
    env, smtp = service_env
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "portal", "--kind", "generic", "--secret", "e2e-secret")
    token = appeals_cli(env, "token", "create", "--role", "manager").stdout.strip().splitlines()[-1]
    body = body_of({"external_id": "e2e-1", "text": "На ул. Попова огромные ямы, провал у дома 105",
                    "municipality": "barnaul", "category": "roads", "regime": "fz59", "fz59": True})

    with running_service(env, "serve", tmp_path) as server, running_worker(env, tmp_path) as worker:
        status, answer = http("POST", f"{server.url}/webhooks/generic/portal", body=body,
                              headers=signed_headers("e2e-secret", body, int(time.time())))
        assert status == 202, answer
        assert (answer["status"], answer["routed_to"]) == ("received", None)  # stored; routing is the worker's

        def routed():
            status, appeal = http("GET", f"{server.url}/api/v1/appeals/{answer['appeal_id']}",
                                  headers={"Authorization": f"Bearer {token}"})
            return status == 200 and appeal["status"] == "routed" and appeal

        appeal = worker.wait_for(routed, 60)
        assert (appeal["body"], appeal["role"]) == ("barnaul-roads-committee", "executor")
        assert f"appeal {answer['appeal_id']} routed to barnaul-roads-committee/executor" in worker.log()
        clock = next(c for c in appeal["clocks"] if c["kind"] == "answer")
        assert clock["due"].endswith("T23:59:59+07:00")
        started = datetime.fromisoformat(clock["started_at"])
        due = datetime.fromisoformat(clock["due_utc"])

        def sweep_at(moment):
            # a test database: sweeping at a later moment is meant to write (the command asks for the flag)
            appeals_cli(env, "sweep", "--now", moment.isoformat(), "--i-know-this-writes")
            return len(smtp.messages)

        assert sweep_at(started + (due - started) * 0.7) == 0
        assert sweep_at(started + (due - started) * 0.8) == 1
        assert sweep_at(started + (due - started) * 0.8) == 1
        assert sweep_at(due + timedelta(minutes=1)) == 2
        assert sweep_at(due + timedelta(minutes=2)) == 2
        # long after (a Saturday night): the curator's level is sent; the sector head's and the centre head's
        # levels in between are superseded; the centre head is told in a catch-up letter, while the roads head
        # has quiet hours (alert_hours: working hours), so nothing reaches him on a Saturday night
        late = due + timedelta(days=40)
        assert sweep_at(late) == 4
        assert sweep_at(late) == 4
        assert worker.process.poll() is None, worker.log()  # the worker ran beside every sweep
    assert worker.process.returncode == 0, worker.log()
    log = worker.log()
    deciding = [name for name in JOBS if name not in SENDING]  # the worker's; its sending process sends
    assert f"worker started: jobs {', '.join(deciding)}" in log and "worker stopped" in log
    assert f"sending started: jobs {', '.join(SENDING)}" in log and "sending stopped" in log
    assert "Traceback" not in log and " failed" not in log, log
    recipients = sorted(m["To"].split("<")[-1].rstrip(">") for m in smtp.messages)
    assert recipients == ["fedorov@barnaul.example.ru", "gromov@barnaul.example.ru", "petrov@cur.example.ru",
                          "sokolova@cur.example.ru"]


def test_a_signed_fire_report_alerts_the_sector_and_centre_heads_at_once(service_env, tmp_path):
    """Queued routing, as deployed: the webhook stores it, the worker routes it and delivers the alerts
    that rule signal-danger asks for (notify_now), by e-mail and through a local Telegram Bot API."""
    env, smtp = service_env
    telegram = TelegramBotApi("42:e2e").start()
    env = {**env, "APPEALS_ROUTING": "queued",
           "APPEALS_TELEGRAM_API_URL": telegram.url, "APPEALS_TELEGRAM_BOT_TOKEN": "42:e2e"}
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "monitor", "--kind", "generic", "--secret", "e2e-secret")
    token = appeals_cli(env, "token", "create", "--role", "manager").stdout.strip().splitlines()[-1]
    body = body_of({"external_id": "fire-1", "text": "Пожар в подъезде, жильцы в опасности",
                    "municipality": "barnaul", "regime": "incident"})
    try:
        with running_service(env, "run", tmp_path) as service:
            status, answer = http("POST", f"{service.url}/webhooks/generic/monitor", body=body,
                                  headers=signed_headers("e2e-secret", body, int(time.time())))
            assert status == 202 and answer["status"] == "received", answer

            service.wait_for(lambda: len(smtp.messages) >= 2 and telegram.received, 30)
            status, alerts = http("GET", f"{service.url}/api/v1/alerts?appeal_id={answer['appeal_id']}",
                                  headers={"Authorization": f"Bearer {token}"})
    finally:
        telegram.stop()
    assert status == 200
    assert sorted((a["level"], a["role"], a["recipient"], a["channel"]) for a in alerts["items"]) == [
        ("notify-now", "centre_head", "petrov-ii", "email"),
        ("notify-now", "sector_head", "belova-na", "email"),
        ("notify-now", "sector_head", "belova-na", "telegram"),
    ]
    recipients = sorted(m["To"].split("<")[-1].rstrip(">") for m in smtp.messages)
    assert recipients == ["belova@cur.example.ru", "petrov@cur.example.ru"]
    assert all(f"обращение №{answer['appeal_id']}" in str(make_header(decode_header(m["Subject"])))
               for m in smtp.messages)
    assert [m["chat"]["id"] for m in telegram.received] == [100200302]
