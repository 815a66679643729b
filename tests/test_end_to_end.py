"""An appeal's whole journey through real processes: signed webhook → routed → deadlines → e-mails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import pytest

from tests.support.paths import ROOT, RULES_DIR
from tests.support.service_process import running_service
from tests.support.signing import body_of, signed_headers
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]


def appeals_cli(env, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "webhooks.cli", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"appeals {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def http(method, url, *, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


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
        "APPEALS_ROUTING": "inline",  # the answer names the assignment; queued: test_routing_queued.py
    }
    yield env, smtp
    smtp.stop()


@pytest.fixture
def server(service_env, tmp_path):
    env, _ = service_env
    appeals_cli(env, "db", "migrate")
    with running_service(env, "serve", tmp_path) as service:
        yield service.url


def test_a_signed_appeal_is_routed_given_deadlines_and_escalated_by_email_exactly_once(server, service_env):
    env, smtp = service_env
    appeals_cli(env, "channel", "add", "portal", "--kind", "generic", "--secret", "e2e-secret")
    token = appeals_cli(env, "token", "create", "--role", "manager").stdout.strip().splitlines()[-1]
    body = body_of({"external_id": "e2e-1", "text": "На ул. Попова огромные ямы, провал у дома 105",
                    "municipality": "barnaul", "category": "roads", "regime": "fz59", "fz59": True})

    status, answer = http("POST", f"{server}/webhooks/generic/portal", body=body,
                          headers=signed_headers("e2e-secret", body, int(time.time())))

    assert status == 202, answer
    assert answer["routed_to"] == {"body": "barnaul-roads-committee", "role": "executor"}
    status, appeal = http("GET", f"{server}/api/v1/appeals/{answer['appeal_id']}",
                          headers={"Authorization": f"Bearer {token}"})
    assert status == 200
    clock = next(c for c in appeal["clocks"] if c["kind"] == "answer")
    assert clock["due"].endswith("T23:59:59+07:00")
    started = datetime.fromisoformat(clock["started_at"])
    due = datetime.fromisoformat(clock["due_utc"])

    def sweep_at(moment):
        appeals_cli(env, "sweep", "--now", moment.isoformat())
        return len(smtp.messages)

    assert sweep_at(started + (due - started) * 0.7) == 0
    assert sweep_at(started + (due - started) * 0.8) == 1
    assert sweep_at(started + (due - started) * 0.8) == 1
    assert sweep_at(due + timedelta(minutes=1)) == 2
    assert sweep_at(due + timedelta(minutes=2)) == 2
    # long after: the curator's level; the centre head's level in between is superseded, not sent
    late = due + timedelta(days=40)
    assert sweep_at(late) == 3
    worker = subprocess.Popen([sys.executable, "-m", "webhooks.cli", "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    worker.terminate()
    worker.wait(timeout=10)
    assert sweep_at(late) == 3
    recipients = sorted(m["To"].split("<")[-1].rstrip(">") for m in smtp.messages)
    assert recipients == ["fedorov@barnaul.example.ru", "gromov@barnaul.example.ru", "sokolova@cur.example.ru"]
