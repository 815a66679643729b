"""The clocks API end to end: pause, resume and extend over HTTP with roles, 409 and 422."""

from __future__ import annotations

import pytest

from tests.support.appeals import routed_pit
from tests.support.moments import at
from tests.support.staff import add_staff


@pytest.fixture
def appeal_id(runtime, clock):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    return routed_pit(runtime, clock)


LOGINS = {"official": "roads-official", "manager": "centre-manager", "policy": "policy-writer",
          "other-official": "health-official"}


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


@pytest.fixture
def bearer(tokens):
    def headers(runtime, role: str) -> dict:
        return {"Authorization": f"Bearer {tokens[LOGINS[role]]}"}

    return headers


def test_an_official_pauses_and_resumes_the_answer_clock_and_sees_the_moved_due_time(bearer, client, runtime, clock,
                                                                                     appeal_id):
    headers = bearer(runtime, "official")
    clock.set(at("Mon 2026-04-13 10:00 +0700"))
    paused = client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "нужен номер дома"},
                         headers=headers)
    assert paused.status_code == 200, paused.get_json()
    assert paused.get_json()["clock"]["state"] == "paused"

    clock.set(at("Wed 2026-04-15 16:00 +0700"))
    resumed = client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/resume", headers=headers)

    assert resumed.status_code == 200, resumed.get_json()
    view = resumed.get_json()["clock"]
    assert view["due"] == "2026-05-08T23:59:59+07:00" and view["due_utc"] == "2026-05-08T16:59:59+00:00"
    assert (view["state"], view["deadline_version"], view["pause_credit"], view["pause_credit_unit"]) == (
        "running", 2, 2, "days")
    assert view["policy_version"] and view["calendar_version"]


def test_the_clock_list_shows_state_remaining_time_versions_and_history(bearer, client, runtime, appeal_id):
    headers = bearer(runtime, "manager")
    client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "уточнение"}, headers=headers)

    answer = client.get(f"/api/v1/appeals/{appeal_id}/clocks", headers=headers)

    assert answer.status_code == 200
    clocks = {c["kind"]: c for c in answer.get_json()["clocks"]}
    assert clocks["answer"]["state"] == "paused" and clocks["registration"]["state"] == "stopped"
    assert clocks["answer"]["remaining_working_seconds"] > 0
    assert [e["event"] for e in clocks["answer"]["history"]] == ["started", "paused"]
    assert clocks["answer"]["history"][1]["reason"] == "уточнение"


def test_a_second_pause_is_409_with_the_reason(bearer, client, runtime, appeal_id):
    headers = bearer(runtime, "official")
    client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "x"}, headers=headers)

    answer = client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "x"}, headers=headers)

    assert answer.status_code == 409
    assert "приостановить можно только идущий срок" in answer.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "экспертиза"}, "days"),
        ({"days": 10}, "reason"),
        ({"days": "ten", "reason": "x"}, "days"),
        ({"days": 10, "reason": "x", "colour": "red"}, "colour"),
        ({"days": 45, "reason": "x"}, "days"),
    ],
)
def test_an_invalid_extension_request_is_422_naming_the_field(bearer, client, runtime, appeal_id, body, field):
    answer = client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/extend", json=body,
                         headers=bearer(runtime, "manager"))

    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]


def test_an_official_may_not_extend_and_a_manager_may_once(bearer, client, runtime, appeal_id):
    path = f"/api/v1/appeals/{appeal_id}/clocks/answer/extend"
    body = {"days": 30, "reason": "нужна экспертиза"}

    assert client.post(path, json=body, headers=bearer(runtime, "official")).status_code == 403
    first = client.post(path, json=body, headers=bearer(runtime, "manager"))
    again = client.post(path, json=body, headers=bearer(runtime, "manager"))

    assert first.status_code == 200 and first.get_json()["clock"]["due"] == "2026-06-05T23:59:59+07:00"
    assert "05.06.2026" in first.get_json()["result"]["author_notice"]
    assert again.status_code == 409 and "только один раз" in again.get_json()["error"]["message"]


def test_an_unknown_appeal_or_clock_is_404(bearer, client, runtime, appeal_id):
    headers = bearer(runtime, "manager")

    assert client.post("/api/v1/appeals/999/clocks/answer/pause", json={"reason": "x"},
                       headers=headers).status_code == 404
    assert client.post(f"/api/v1/appeals/{appeal_id}/clocks/final_answer/pause", json={"reason": "x"},
                       headers=headers).status_code == 404


def test_a_policy_token_may_read_clocks_but_not_change_them(bearer, client, runtime, appeal_id):
    headers = bearer(runtime, "policy")

    assert client.get(f"/api/v1/appeals/{appeal_id}/clocks", headers=headers).status_code == 200
    assert client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "x"},
                       headers=headers).status_code == 403


def test_an_official_of_another_body_does_not_see_the_appeal(client, runtime, appeal_id, bearer):
    answer = client.post(f"/api/v1/appeals/{appeal_id}/clocks/answer/pause", json={"reason": "x"},
                         headers=bearer(runtime, "other-official"))

    assert answer.status_code == 404
