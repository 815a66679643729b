"""Alerts follow the same scopes as appeals: an official of another body neither sees nor acknowledges them."""

from __future__ import annotations

from datetime import timedelta

from engine.services.escalation import sweep
from engine.store.models import AlertRecord, AppealRecord
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


def test_a_head_of_two_sectors_sees_the_alerts_of_her_topics_appeals_and_no_transport_alert(client, runtime, clock):
    """Belova leads housing and waste: the heating outage held by Rubtsovsk's administration (block "other"
    by body, housing by topic) is hers; a bus route's appeal (transport) is not, on the API and the dashboard."""
    from engine.services import users
    from engine.services.access import Caller
    from engine.services.overview import manager_overview

    tokens = add_staff(runtime)
    users.add_user(runtime.now(), "belova", "manager", "a long enough password", sectors=("housing", "waste"),
                   directory=runtime.policy_set.directory)
    belova = bearer(users.issue_token(runtime.now(), "belova"))
    heating = routed(runtime, "Нет отопления во всём доме, батареи холодные", external_id="alert-heat",
                     municipality="rubtsovsk", category=None)
    bus = routed(runtime, "Автобус по маршруту 10 не ходит по расписанию, на остановке ждём час",
                 external_id="alert-bus", category=None)
    assert AppealRecord.get_by_id(bus).sector == "transport" and AppealRecord.get_by_id(heating).sector == "housing"
    clock.set(clock() + timedelta(days=24))  # past 75 % of the 59-ФЗ answer term
    sweep(runtime)
    of = {appeal: [a.id for a in AlertRecord.select().where(AlertRecord.appeal == appeal)] for appeal in (heating, bus)}
    assert of[heating] and of[bus]

    seen = {a["appeal_id"] for a in client.get("/api/v1/alerts", headers=belova).get_json()["items"]}
    centre = {a["appeal_id"] for a in client.get("/api/v1/alerts", headers=bearer(tokens["centre-manager"]))
              .get_json()["items"]}

    assert seen == {heating} and centre >= {heating, bus}
    assert client.get(f"/api/v1/alerts/{of[heating][0]}", headers=belova).status_code == 200
    assert client.get(f"/api/v1/alerts/{of[bus][0]}", headers=belova).status_code == 404
    assert client.post(f"/api/v1/alerts/{of[bus][0]}/ack", headers=belova).status_code == 404
    head = Caller(token_id=None, role="manager", label=None, user="belova", sector="housing",
                  sectors=("housing", "waste"))
    assert {a.appeal_id for a in manager_overview(runtime, head)["alerts"]} == {heating}
    assert client.post(f"/api/v1/alerts/{of[heating][0]}/ack", headers=belova).get_json()["acknowledged"]
