"""A VK follow-up reopens the original appeal, through the running service (`appeals run`, queued routing):
a resident's comment becomes an appeal, staff answer it over the API, the resident replies in the same
thread «ничего не сделали», and the appeal is back in work with a new answer term; no new appeal appears."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest

from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, http, running_service

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]

GROUP, SECRET, RESIDENT = 218_000_111, "vk-e2e-secret", 52_001_777


def vk_post(url: str, kind: str, obj: dict, event_id: str):
    body = json.dumps({"type": kind, "object": obj, "group_id": GROUP, "event_id": event_id, "v": "5.199",
                       "secret": SECRET}, ensure_ascii=False).encode()
    request = urllib.request.Request(f"{url}/webhooks/vk/gov-vk", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status, response.read().decode()


@pytest.fixture
def env(database_url, tmp_path):
    """The service as deployed: queued routing, the worker beside the server (`appeals run`)."""
    return {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
            "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_ROUTING": "queued",
            "APPEALS_SWEEP_SECONDS": "1"}


def test_a_vk_follow_up_reopens_the_original_appeal(env, tmp_path):
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "gov-vk", "--kind", "vk", "--secret", SECRET, "--group-id", str(GROUP))
    token = appeals_cli(env, "token", "create", "--role", "manager").stdout.strip().splitlines()[-1]
    staff = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = int(time.time())
    original = {"id": 4051, "from_id": RESIDENT, "date": now - 60, "owner_id": -GROUP, "post_id": 812,
                "text": "На ул. Попова в Барнауле огромные ямы, провал асфальта у дома 105", "parents_stack": [],
                "thread": {"count": 0, "items": [], "can_post": True, "show_reply_button": True}}
    follow_up = {"id": 4071, "from_id": RESIDENT, "date": now, "owner_id": -GROUP, "post_id": 812,
                 "text": "Ничего не сделали, яма на месте", "reply_to_comment": 4051, "reply_to_user": RESIDENT,
                 "parents_stack": [4051]}

    with running_service(env, "run", tmp_path) as service:
        assert vk_post(service.url, "wall_reply_new", original, "e2e-1") == (200, "ok")
        status, listed = http("GET", f"{service.url}/api/v1/appeals?channel=gov-vk", headers=staff)
        [appeal] = listed["items"]
        appeal_id = appeal["id"]
        service.wait_for(lambda: http("GET", f"{service.url}/api/v1/appeals/{appeal_id}",
                                      headers=staff)[1]["status"] == "routed", 30)
        # a VK incident is on the centre's control: the manager approves the answer, which publishes it
        for action, params in (("take", {}), ("answer", {"kind": "final", "text": "Яма заделана."}),
                               ("approve_answer", {})):
            status, done = http("POST", f"{service.url}/api/v1/appeals/{appeal_id}/actions/{action}",
                                body=json.dumps(params).encode(), headers=staff)
            assert status == 200, done

        assert vk_post(service.url, "wall_reply_new", follow_up, "e2e-2") == (200, "ok")

        status, view = http("GET", f"{service.url}/api/v1/appeals/{appeal_id}", headers=staff)
        status_list, listed = http("GET", f"{service.url}/api/v1/appeals?channel=gov-vk", headers=staff)
    assert status == 200 and status_list == 200
    assert [a["id"] for a in listed["items"]] == [appeal_id]  # no new appeal in triage
    assert view["status"] == "in_progress"
    assert view["conversation"][-1]["kind"] == "follow_up"
    assert view["conversation"][-1]["text"] == "Ничего не сделали, яма на месте"
    reopen = next(e for e in view["timeline"] if e["kind"] == "appeal.reopen")
    assert reopen["actor"] == "channel:gov-vk" and reopen["details"]["reason"] == "автор не удовлетворён ответом"
    final = next(c for c in view["clocks"] if c["kind"] == "final_answer")
    assert final["state"] == "running" and final["deadline_version"] == 2
