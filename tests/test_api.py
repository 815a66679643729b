"""The read API: tokens with roles, appeal detail with decision and clocks, alerts."""

from __future__ import annotations

import pytest

from engine.services import credentials
from tests.support.signing import body_of, signed_headers


@pytest.fixture
def manager_token(runtime):
    return credentials.create_token(runtime.now(), "manager")


@pytest.fixture
def appeal_id(runtime, client, clock):
    credentials.add_channel(runtime.now(), "portal", "generic", "k")
    body = body_of({"external_id": "a-1", "text": "Третий день нет отопления, батареи холодные",
                    "municipality": "barnaul", "category": "housing", "regime": "incident", "urgency": "high"})
    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers("k", body, int(clock().timestamp())))
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["appeal_id"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_health_needs_no_token_and_reports_the_rules_version(client, runtime):
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.get_json()["status"] == "ok"
    assert answer.get_json()["rules_version"] == runtime.policy_set.rulebook.version


def test_reading_an_appeal_without_a_token_is_401(client, appeal_id):
    answer = client.get(f"/api/v1/appeals/{appeal_id}")

    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_token_is_401_and_a_channel_token_is_403(client, runtime, appeal_id):
    assert client.get("/api/v1/appeals", headers=bearer("apr_nope")).status_code == 401
    channel_token = credentials.create_token(runtime.now(), "channel")
    assert client.get("/api/v1/appeals", headers=bearer(channel_token)).status_code == 403


def test_an_expired_token_is_refused(client, runtime, clock, appeal_id):
    from datetime import timedelta

    token = credentials.create_token(runtime.now(), "manager", ttl_days=1)
    clock.set(clock() + timedelta(days=2))

    assert client.get("/api/v1/appeals", headers=bearer(token)).status_code == 401


def test_a_heating_outage_in_barnaul_shows_its_decision_clocks_in_local_and_utc(client, appeal_id, manager_token):
    answer = client.get(f"/api/v1/appeals/{appeal_id}", headers=bearer(manager_token))

    assert answer.status_code == 200
    appeal = answer.get_json()
    assert appeal["body"] == "barnaul-emergency-desk"
    assert appeal["decision"]["rule"]
    assert appeal["decision"]["ruleset_version"]
    assert appeal["decision"]["explanation_text"]
    first = next(c for c in appeal["clocks"] if c["kind"] == "first_response")
    assert first["policy"] == "incident-high"
    assert first["due"].endswith("+07:00")
    assert first["due_utc"].endswith("+00:00")
    assert appeal["assignment"]["official"] == "lebedeva-im"


def test_appeals_can_be_listed_by_channel_and_status(client, appeal_id, manager_token):
    found = client.get("/api/v1/appeals?channel=portal&status=routed", headers=bearer(manager_token)).get_json()
    none = client.get("/api/v1/appeals?channel=vk", headers=bearer(manager_token)).get_json()

    assert [a["id"] for a in found["items"]] == [appeal_id]
    assert none["items"] == []


def test_an_unknown_filter_is_a_400_naming_it(client, manager_token):
    answer = client.get("/api/v1/appeals?colour=red", headers=bearer(manager_token))

    assert answer.status_code == 400
    assert "colour" in answer.get_json()["error"]["fields"]


def test_a_missing_appeal_is_404_json(client, manager_token):
    answer = client.get("/api/v1/appeals/999999", headers=bearer(manager_token))

    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"


def test_alerts_can_be_listed_and_acknowledged(client, runtime, clock, appeal_id, manager_token):
    from datetime import timedelta

    from engine.services.escalation import sweep

    clock.set(clock() + timedelta(days=3))
    sweep(runtime)
    alerts = client.get("/api/v1/alerts?status=pending", headers=bearer(manager_token)).get_json()["items"]
    assert alerts

    acked = client.post(f"/api/v1/alerts/{alerts[0]['id']}/ack", headers=bearer(manager_token))

    assert acked.status_code == 200
    assert acked.get_json()["acknowledged_at"]
    assert client.get("/api/v1/alerts?status=bogus", headers=bearer(manager_token)).status_code == 400
