"""The default routing mode: a webhook is answered once the appeal is stored, the worker routes it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from engine.bootstrap import bootstrap
from engine.config import Settings
from engine.jobs import run_job
from engine.services import credentials
from engine.store.db import database
from engine.store.migrations import migrate
from engine.store.models import AppealRecord, AuditRecord, ClockRecord
from tests.support.paths import ROOT, RULES_DIR
from tests.support.service_process import running_service
from tests.support.signing import body_of, signed_headers

pytestmark = pytest.mark.both_databases

SECRET = "queued-secret"
PIT = {
    "external_id": "q-1",
    "text": "На ул. Попова огромные ямы, провал асфальта у дома 105",
    "municipality": "barnaul",
    "category": "roads",
    "fz59": True,
    "regime": "fz59",
}


@pytest.fixture
def queued(settings, clock, policy_set):
    rt = bootstrap(dataclasses.replace(settings, routing="queued"), clock=clock, policy_set=policy_set)
    database.connect(reuse_if_open=True)
    migrate(clock())
    credentials.add_channel(rt.now(), "portal", "generic", SECRET)
    yield rt


@pytest.fixture
def queued_client(queued):
    from webhooks import create_app

    return create_app(queued, {"TESTING": True}).test_client()


def post(client, clock, payload):
    body = body_of(payload)
    return client.post("/webhooks/generic/portal", data=body,
                       headers=signed_headers(SECRET, body, int(clock().timestamp())))


def test_the_default_routing_mode_is_queued():
    assert Settings.from_env({}).routing == "queued"


def test_an_unknown_routing_mode_is_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="APPEALS_ROUTING"):
        Settings.from_env({"APPEALS_ROUTING": "sometimes"})


def test_a_queued_webhook_is_answered_as_soon_as_the_appeal_is_stored(queued, queued_client, clock):
    answer = post(queued_client, clock, PIT)

    assert answer.status_code == 202
    data = answer.get_json()
    assert data == {"appeal_id": data["appeal_id"], "status": "received", "routed_to": None, "deadlines": []}
    record = AppealRecord.get_by_id(data["appeal_id"])
    assert record.status == "received"
    assert record.text == PIT["text"]
    assert record.next_routing_at is not None
    assert ClockRecord.select().where(ClockRecord.appeal == record.id).count() == 0
    assert [a.action for a in AuditRecord.select().where(AuditRecord.appeal == record.id)] == ["appeal.received"]


def test_the_route_job_routes_a_queued_appeal_and_starts_its_clocks(queued, queued_client, clock):
    appeal_id = post(queued_client, clock, PIT).get_json()["appeal_id"]

    run_job(queued, "route")

    record = AppealRecord.get_by_id(appeal_id)
    assert record.status == "routed"
    assert record.body == "barnaul-roads-committee"
    kinds = {c.kind for c in ClockRecord.select().where(ClockRecord.appeal == appeal_id)}
    assert "answer" in kinds


def test_a_repeated_delivery_before_routing_returns_the_same_waiting_appeal(queued, queued_client, clock):
    first = post(queued_client, clock, PIT).get_json()
    again = post(queued_client, clock, PIT)

    assert again.status_code == 200
    assert again.get_json()["appeal_id"] == first["appeal_id"]
    assert again.get_json()["status"] == "received"
    assert AppealRecord.select().count() == 1


def test_after_routing_a_repeated_delivery_shows_the_assignment(queued, queued_client, clock):
    first = post(queued_client, clock, PIT).get_json()
    run_job(queued, "route")

    again = post(queued_client, clock, PIT).get_json()

    assert again["appeal_id"] == first["appeal_id"]
    assert again["routed_to"] == {"body": "barnaul-roads-committee", "role": "executor"}


def test_many_webhooks_at_once_through_a_threaded_server_are_all_stored(queued, clock):
    from webhooks import create_app

    server = make_server("127.0.0.1", 0, create_app(queued), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    statuses = []

    def send(n):
        body = body_of({**PIT, "external_id": f"burst-{n}"})
        request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/webhooks/generic/portal",
                                         data=body, method="POST",
                                         headers=signed_headers(SECRET, body, int(clock().timestamp())))
        with urllib.request.urlopen(request, timeout=30) as response:
            statuses.append(response.status)

    try:
        senders = [threading.Thread(target=send, args=(n,)) for n in range(40)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(timeout=60)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert statuses == [202] * 40
    database.connect(reuse_if_open=True)
    assert AppealRecord.select().where(AppealRecord.external_id.startswith("burst-")).count() == 40


@pytest.mark.slow
def test_appeals_run_routes_stored_webhooks_within_seconds_and_the_demo_shows_where_they_went(database_url, tmp_path):
    env = {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
           "APPEALS_MAIL_DIR": str(tmp_path / "mail"),
           "APPEALS_SWEEP_SECONDS": "60", "APPEALS_LOG_LEVEL": "WARNING"}
    env.pop("APPEALS_ROUTING", None)

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "webhooks.cli", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("db", "migrate")
    cli("channel", "add", "portal", "--kind", "generic", "--secret", SECRET)
    token = cli("token", "create", "--role", "manager").strip().splitlines()[-1]
    with running_service(env, "run", tmp_path) as service:
        base = service.url
        body = body_of(PIT)
        request = urllib.request.Request(f"{base}/webhooks/generic/portal", data=body, method="POST",
                                         headers=signed_headers(SECRET, body, int(time.time())))
        with urllib.request.urlopen(request, timeout=15) as response:
            assert response.status == 202
            answer = json.loads(response.read())
        assert answer["status"] == "received"

        def routed():
            status, appeal = get(f"{base}/api/v1/appeals/{answer['appeal_id']}", token)
            return status == 200 and appeal["status"] == "routed" and appeal

        appeal = service.wait_for(routed, 15)
        assert appeal["body"] == "barnaul-roads-committee"
        assert any(c["kind"] == "answer" for c in appeal["clocks"])

        shown = cli("demo", "--url", base, "--channel", "portal", "--secret", SECRET)
        assert shown.count("stored, waiting for the worker") == 5
        assert shown.count(" routed → ") == 5, shown
        assert "routed → barnaul-roads-committee/executor" in shown


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return 0, None


def test_health_shows_appeals_waiting_for_routing_until_the_worker_routes_them(queued, queued_client, clock):
    post(queued_client, clock, PIT)
    post(queued_client, clock, {**PIT, "external_id": "q-2"})
    clock.set(clock() + timedelta(seconds=7))

    health = queued_client.get("/healthz").get_json()
    metrics = queued_client.get("/metrics").get_data(as_text=True)

    assert health["routing_waiting"] == 2
    assert health["routing_lag_seconds"] == pytest.approx(7, abs=0.01)
    assert "appeals_routing_waiting 2\n" in metrics
    assert "appeals_routing_lag_seconds 7.000\n" in metrics
    run_job(queued, "route")
    assert queued_client.get("/healthz").get_json()["routing_waiting"] == 0
    assert queued_client.get("/healthz").get_json()["routing_lag_seconds"] == 0
