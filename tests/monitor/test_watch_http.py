"""/api/v1/watch: an administrator lists, adds and removes watched walls; others are refused."""

from __future__ import annotations

import dataclasses

from engine.services import credentials
from tests.support.staff import bearer
from tests.support.vk_walls import FakeVkWalls


def test_an_administrator_adds_lists_and_removes_a_watched_wall(runtime, client):
    admin = bearer(credentials.create_token(runtime.now(), "admin"))
    with FakeVkWalls("service-key") as vk:
        vk.community(218_000_001, "barnaul22", "Барнаул 22")
        runtime.settings = dataclasses.replace(runtime.settings, vk_api_url=vk.url, vk_service_token="service-key")

        added = client.post("/api/v1/watch", json={"target": "vk:barnaul22", "municipality": "barnaul",
                                                   "every": "10m"}, headers=admin)
        again = client.post("/api/v1/watch", json={"target": "vk:barnaul22", "every": "1h"}, headers=admin)
        unknown = client.post("/api/v1/watch", json={"target": "vk:nobody"}, headers=admin)
        bad = client.post("/api/v1/watch", json={"every": "5m"}, headers=admin)

    assert added.status_code == 201
    assert added.json | {"polled_at": None} == {
        "id": 1, "target": "vk:barnaul22", "owner_id": -218_000_001, "title": "Барнаул 22",
        "municipality": "barnaul", "every_seconds": 600, "polled_at": None, "last_error": None,
        "read": 0, "complaints": 0, "chatter": 0}
    assert again.status_code == 200 and again.json["every_seconds"] == 3600
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "refused"
    assert bad.status_code == 422 and "target" in bad.get_data(as_text=True)  # the field's error, nothing stored
    assert [w["target"] for w in client.get("/api/v1/watch", headers=admin).json["items"]] == ["vk:barnaul22"]
    assert client.delete("/api/v1/watch/1", headers=admin).status_code == 204
    assert client.delete("/api/v1/watch/1", headers=admin).status_code == 404
    assert client.get("/api/v1/watch", headers=admin).json["items"] == []


def test_a_manager_may_not_touch_the_watch_list(runtime, client):
    token = bearer(credentials.create_token(runtime.now(), "manager"))

    assert client.get("/api/v1/watch", headers=token).status_code == 403
    assert client.post("/api/v1/watch", json={"target": "vk:x"}, headers=token).status_code == 403


def test_a_service_key_in_the_environment_that_is_no_key_refuses_the_wall_with_the_reason_not_a_500(runtime, client):
    admin = bearer(credentials.create_token(runtime.now(), "admin"))
    runtime.settings = dataclasses.replace(runtime.settings, vk_service_token="not a key")

    answer = client.post("/api/v1/watch", json={"target": "vk:barnaul22"}, headers=admin)

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    said = answer.json["error"]["message"]
    assert "APPEALS_VK_SERVICE_TOKEN" in said and "not a key" not in said  # the reason, never the value
    assert client.get("/api/v1/watch", headers=admin).json == {"items": []}
