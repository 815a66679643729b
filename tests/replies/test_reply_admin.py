"""The administrator sees the replies that could not be delivered, with the reason in Russian (API, dashboard,
/metrics), and sends one again once its cause is fixed: it then leaves once."""

from __future__ import annotations

import pytest

from engine.services import credentials
from engine.store.models import AppealRecord
from tests.support.reply_platforms import VK_TOKEN, deliver, outgoing
from tests.support.staff import add_staff, bearer, log_in
from tests.support.vk_callback import comment, event
from tests.support.vk_callback import post as post_vk

NEW_TOKEN = "vk1.a.replaced-community-token"


@pytest.fixture
def dead_reply(runtime, clock, client, platforms):
    """An acknowledgement under a VK comment, dead: the community's token was revoked."""
    post_vk(client, event("wall_reply_new", comment(date=int(clock().timestamp()))))
    platforms.vk.revoke_token(VK_TOKEN)
    assert deliver(runtime).dead == 1
    return outgoing(AppealRecord.get().id)[0]


def test_the_administrator_lists_dead_replies_with_the_reason(runtime, client, dead_reply):
    tokens = add_staff(runtime)

    answer = client.get("/api/v1/replies?status=dead", headers=bearer(tokens["administrator"]))
    refused = client.get("/api/v1/replies?status=dead", headers=bearer(tokens["centre-manager"]))
    wrong = client.get("/api/v1/replies?status=lost", headers=bearer(tokens["administrator"]))

    assert answer.status_code == 200 and refused.status_code == 403 and wrong.status_code == 400
    [item] = answer.get_json()["items"]
    assert (item["id"], item["appeal_id"], item["kind_title"], item["route_title"], item["status_title"]) == (
        dead_reply.id, dead_reply.appeal_id, "Уведомление о приёме", "ВКонтакте, комментарий", "не доставлено")
    assert "токен доступа сообщества недействителен или отозван (код 5" in item["error"]


def test_the_dashboard_and_metrics_show_them_to_the_administrator(runtime, client, dead_reply):
    add_staff(runtime)
    log_in(client, "administrator")

    page = client.get("/dashboard").get_data(as_text=True)
    metrics = client.get("/metrics").get_data(as_text=True)

    section = page.split('id="dead-replies"', 1)[1].split("</section>", 1)[0]
    assert "Не доставленные ответы жителям (1)" in section and "токен доступа сообщества" in section
    assert f'data-reply="{dead_reply.id}"' in section and "Уведомление о приёме" in section
    assert 'appeals_replies{status="dead"} 1' in metrics


def test_a_dead_reply_sent_again_after_a_new_token_leaves_once(runtime, clock, client, platforms, dead_reply):
    tokens = add_staff(runtime)
    platforms.vk.accept_token(NEW_TOKEN)
    credentials.set_reply_settings(runtime.now(), "gov-vk", api_token=NEW_TOKEN)
    admin = bearer(tokens["administrator"])

    again = client.post(f"/api/v1/replies/{dead_reply.id}/retry", headers=admin)
    report = deliver(runtime)
    twice = client.post(f"/api/v1/replies/{dead_reply.id}/retry", headers=admin)
    missing = client.post("/api/v1/replies/999999/retry", headers=admin)

    assert again.status_code == 200 and again.get_json()["status"] == "pending"
    assert report.sent == 1 and len(platforms.vk.comments) == 1
    assert twice.status_code == 409 and "повторно отправляется только недоставленное" in \
        twice.get_json()["error"]["message"]
    assert missing.status_code == 404
    [reply] = outgoing(dead_reply.appeal_id)
    assert (reply.status, reply.platform_id) == ("sent", str(platforms.vk.comments[0]["id"]))
    timeline = client.get(f"/api/v1/appeals/{dead_reply.appeal_id}", headers=admin).get_json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.index("reply.dead") < kinds.index("reply.requeued") < kinds.index("reply.sent")
