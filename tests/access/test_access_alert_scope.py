"""Alerts follow the same scopes as appeals: an official of another body neither sees nor acknowledges them."""

from __future__ import annotations

from datetime import timedelta

from engine.services.escalation import sweep
from engine.store.models import AlertRecord
from tests.support.staff import add_staff, bearer, routed


def alerts_for_a_pit_in_barnaul(runtime, clock) -> int:
    routed(runtime)
    clock.set(clock() + timedelta(days=24))  # past 75 % of the 59-ФЗ answer term
    sweep(runtime)
    return AlertRecord.select().count()


def test_an_official_of_another_body_sees_no_alert_about_a_pit_in_barnaul(client, runtime, clock):
    tokens = add_staff(runtime)
    assert alerts_for_a_pit_in_barnaul(runtime, clock) >= 1
    alert_id = AlertRecord.select().first().id

    health = client.get("/api/v1/alerts", headers=bearer(tokens["health-official"])).get_json()["items"]
    roads = client.get("/api/v1/alerts", headers=bearer(tokens["roads-official"])).get_json()["items"]
    centre = client.get("/api/v1/alerts", headers=bearer(tokens["centre-manager"])).get_json()["items"]

    assert health == []
    assert [a["id"] for a in roads] == [a["id"] for a in centre] != []
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(tokens["health-official"])).status_code == 404


def test_an_official_of_another_body_cannot_acknowledge_the_alert(client, runtime, clock):
    tokens = add_staff(runtime)
    alerts_for_a_pit_in_barnaul(runtime, clock)
    alert_id = AlertRecord.select().first().id

    refused = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=bearer(tokens["health-official"]))
    accepted = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=bearer(tokens["roads-official"]))

    assert refused.status_code == 404
    assert accepted.status_code == 200 and accepted.get_json()["acknowledged"]
    assert AlertRecord.get_by_id(alert_id).acknowledged_at is not None
