"""The centre checks an answer before the resident sees it, through real processes: VK comments posted over
HTTP to the running service (`appeals serve`), routed and answered under the comment by the worker (`appeals
worker`) through a local VK API. A VK incident is on control (rules/routing/control.yaml): its answer reaches
VK only after a curator approves it — a returned draft never does, and the approved answer is commented once;
an appeal taken off control is answered on VK at once."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest

from engine.policyset import load_policy_set
from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, http, running_service, running_worker
from tests.support.vk_api import FakeVkApi

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]

GROUP, VK_SECRET, VK_TOKEN = 218_000_111, "vk-review-secret", "vk1.a.review-community-token"
RESIDENT, NEIGHBOUR = 52_001_777, 52_001_888
SETTLE = 1.0  # seconds: five rounds of the worker's reply job (APPEALS_ROUTE_SECONDS as installed, 0.2 s)


@pytest.fixture
def vk():
    api = FakeVkApi(VK_TOKEN, group_id=GROUP).start()
    yield api
    api.stop()


@pytest.fixture
def env(database_url, tmp_path, vk):
    return {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
            "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_ROUTING": "queued",
            "APPEALS_SWEEP_SECONDS": "1", "APPEALS_VK_API_URL": vk.url}


def comment(comment_id: int, author: int, text: str) -> dict:
    return {"type": "wall_reply_new", "group_id": GROUP, "event_id": f"review-{comment_id}", "v": "5.199",
            "secret": VK_SECRET, "object": {"id": comment_id, "from_id": author, "date": int(time.time()),
                                            "owner_id": -GROUP, "post_id": 812, "text": text,
                                            "parents_stack": [], "thread": {"count": 0}}}


def post_json(url: str, payload: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status


def test_an_answer_on_control_reaches_vk_once_and_only_after_approval(env, vk, tmp_path):
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "gov-vk", "--kind", "vk", "--secret", VK_SECRET, "--group-id", str(GROUP),
                "--access-token", VK_TOKEN)
    tokens = {role: appeals_cli(env, "token", "create", "--role", role).stdout.strip().splitlines()[-1]
              for role in ("manager", "curator")}
    names = {b.id: b.name for b in load_policy_set(RULES_DIR).directory.bodies.values()}

    with running_service(env, "serve", tmp_path) as server, running_worker(env, tmp_path) as worker:
        def call(role: str, method: str, path: str, payload: dict | None = None):
            body = json.dumps(payload).encode() if payload is not None else None
            status, answer = http(method, f"{server.url}{path}", body=body,
                                  headers={"Authorization": f"Bearer {tokens[role]}",
                                           "Content-Type": "application/json"})
            assert status == 200, (path, status, answer)
            return answer

        def act(role: str, appeal_id: int, name: str, **payload) -> dict:
            return call(role, "POST", f"/api/v1/appeals/{appeal_id}/actions/{name}", payload)

        def acknowledged(external_id: str):
            """The appeal of the comment, once routed and its acknowledgement commented on VK."""
            listed = call("manager", "GET", "/api/v1/appeals?channel=gov-vk")["items"]
            found = [a for a in listed if a["external_id"].endswith(external_id)]
            if not found:
                return None
            view = call("manager", "GET", f"/api/v1/appeals/{found[0]['id']}")
            sent = [m for m in view["conversation"] if m["kind"] == "acknowledgement" and m["status"] == "sent"]
            return view if sent else None

        def comments_to(comment_id: int) -> list[str]:
            return [c["params"]["message"] for c in vk.comments if c["params"]["reply_to_comment"] == str(comment_id)]

        assert post_json(f"{server.url}/webhooks/vk/gov-vk",
                         comment(4051, RESIDENT, "На ул. Попова в Барнауле огромные ямы, провал асфальта")) == 200
        pit = worker.wait_for(lambda: acknowledged("4051"), 60)
        assert "control-social-incident" in pit["decision"]["rule_ids"], pit["decision"]
        assert pit["on_control"] is True, (pit["status"], [e["kind"] for e in pit["timeline"]])

        # the official's answer is a draft: nothing reaches VK
        act("manager", pit["id"], "take")
        drafted = act("manager", pit["id"], "answer", kind="final", text="Яма будет заделана.")
        assert drafted["status"] == "answer_review" and drafted["review"] is True
        time.sleep(SETTLE)
        assert len(comments_to(4051)) == 1  # the acknowledgement alone

        # returned with remarks: visible, back in work, still nothing on VK
        returned = act("curator", pit["id"], "return_answer", remarks="Укажите срок ремонта.")
        assert returned["status"] == "in_progress"
        view = call("curator", "GET", f"/api/v1/appeals/{pit['id']}")
        assert [(a["status"], a["remarks"]) for a in view["answers"]] == [("returned", "Укажите срок ремонта.")]
        time.sleep(SETTLE)
        assert len(comments_to(4051)) == 1

        # answered again and approved: exactly one final answer under the resident's comment
        act("manager", pit["id"], "answer", kind="final", text="Яма будет заделана до 10 декабря.")
        approved = act("curator", pit["id"], "approve_answer")
        assert approved["status"] == "answered"

        def final_sent():
            view = call("manager", "GET", f"/api/v1/appeals/{pit['id']}")
            return [m for m in view["conversation"] if m["kind"] == "final_answer" and m["status"] == "sent"]

        [final] = worker.wait_for(final_sent, 30)

        # an appeal taken off control is answered on VK at once
        assert post_json(f"{server.url}/webhooks/vk/gov-vk",
                         comment(4052, NEIGHBOUR, "Во дворе дома 5 по ул. Ленина в Барнауле не вывозят мусор")) == 200
        rubbish = worker.wait_for(lambda: acknowledged("4052"), 60)
        act("manager", rubbish["id"], "release_control", reason="Вопрос на контроле у органа")
        act("manager", rubbish["id"], "take")
        answered = act("manager", rubbish["id"], "answer", kind="final", text="Мусор вывезен 2 декабря.")
        assert answered["status"] == "answered" and "review" not in answered
        worker.wait_for(lambda: len(comments_to(4052)) == 2, 30)
        time.sleep(SETTLE)  # later rounds of the worker send nothing more
        pit_comments, rubbish_comments = comments_to(4051), comments_to(4052)
        published = [c for c in vk.comments if c["params"]["message"].endswith("до 10 декабря.")]

    body = names[pit["body"]]
    assert pit_comments[1:] == [f"Ответ на Ваше обращение №{pit['id']} ({body}): Яма будет заделана до 10 декабря."]
    assert not any("Яма будет заделана." in text for text in pit_comments)  # the returned draft never left
    assert [str(c["id"]) for c in published] == [final["platform_id"]]  # the id VK gave it, on the appeal
    assert rubbish_comments[1:] == [
        f"Ответ на Ваше обращение №{rubbish['id']} ({names[rubbish['body']]}): Мусор вывезен 2 декабря."]
    log = worker.log()
    assert "Traceback" not in log, log
