"""The alerts API (mine, by state, acknowledgement) and the sweep's numbers in /healthz and /metrics."""

from __future__ import annotations

import pytest

from engine.services import credentials, users
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from tests.support.appeals import pit_appeal
from tests.support.moments import at


@pytest.fixture
def breached(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)
    return received.appeal_id


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def gromov(runtime):
    users.add_user(runtime.now(), "gromov", "manager", "a long enough password", official_id="gromov-ka",
                   directory=runtime.policy_set.directory)
    return bearer(users.issue_token(runtime.now(), "gromov"))


def test_a_manager_lists_their_own_alerts(client, breached, gromov):
    answer = client.get("/api/v1/alerts?recipient=me", headers=gromov)

    assert answer.status_code == 200
    [alert] = answer.get_json()["items"]
    assert (alert["recipient"], alert["level"], alert["status"], alert["acknowledged"]) == (
        "gromov-ka", "breach", "pending", False)
    assert alert["deadline_version"] == 1 and alert["repeat"] == 0


def test_alerts_filter_by_state_and_acknowledgement(client, runtime, breached, gromov):
    manager = bearer(credentials.create_token(runtime.now(), "manager"))
    assert [a["level"] for a in client.get("/api/v1/alerts?status=superseded", headers=manager).get_json()[
        "items"]] == ["three-quarters"]
    [mine] = client.get("/api/v1/alerts?recipient=me", headers=gromov).get_json()["items"]

    acked = client.post(f"/api/v1/alerts/{mine['id']}/ack", headers=gromov)

    assert acked.status_code == 200 and acked.get_json()["acknowledged_at"]
    assert [a["id"] for a in client.get("/api/v1/alerts?acknowledged=true", headers=manager).get_json()["items"]] == [
        mine["id"]]
    assert client.get(f"/api/v1/alerts/{mine['id']}", headers=manager).get_json()["acknowledged"] is True


def test_a_token_without_an_official_cannot_ask_for_its_own_alerts(client, runtime, breached):
    token = credentials.create_token(runtime.now(), "manager")
    answer = client.get("/api/v1/alerts?recipient=me", headers=bearer(token))
    assert answer.status_code == 400


@pytest.mark.parametrize("query", ["status=lost", "acknowledged=maybe", "limit=0", "appeal_id=x"])
def test_bad_alert_filters_are_refused(client, runtime, query):
    answer = client.get(f"/api/v1/alerts?{query}", headers=bearer(credentials.create_token(runtime.now(), "manager")))
    assert answer.status_code == 400


def test_healthz_and_metrics_report_the_sweep_lag_and_the_outbox(client, runtime, clock, breached):
    clock.set(at("Wed 2027-01-13 12:00 +0700"))  # the next level has been due since Mon 17:00

    health = client.get("/healthz").get_json()
    metrics = client.get("/metrics")

    assert health["sweep_lag_seconds"] == pytest.approx(43 * 3600, abs=60)
    text = metrics.get_data(as_text=True)
    assert metrics.mimetype == "text/plain"
    assert "appeals_escalation_due_steps 1\n" in text
    # the breach alert, and the catch-up letter telling the executor that their 75 % level was passed over
    assert 'appeals_alerts{status="pending"} 2\n' in text
    assert 'appeals_alerts{status="superseded"} 1\n' in text
    lag = float(next(line for line in text.splitlines() if line.startswith("appeals_sweep_lag_seconds")).split()[1])
    assert lag == pytest.approx(health["sweep_lag_seconds"])
