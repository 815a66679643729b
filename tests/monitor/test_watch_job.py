"""The worker's ``watch`` job with the demo rules: two watched walls on a local VK API, complaints and
chatter written on them; appeals for the complaints only, once each, with links, and for a comment on
a wall we do not own the acknowledgement is a reply task for the operator."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from engine.jobs import run_job
from engine.services import watching
from engine.store.author_messages import AuthorMessageRecord
from engine.store.models import AppealRecord, AuditRecord
from tests.support.vk_walls import FakeVkWalls

KEY = "service-key-for-tests"
CITY, GOV = 218_000_001, 218_000_002


@pytest.fixture
def watched(runtime):
    with FakeVkWalls(KEY) as vk:
        vk.community(CITY, "barnaul22", "Барнаул 22")
        vk.community(GOV, "gov_altai", "Губернатор Алтайского края")
        vk.now = int((runtime.now() - timedelta(hours=1)).timestamp())
        runtime.settings = dataclasses.replace(runtime.settings, vk_api_url=vk.url, vk_service_token=KEY)
        for name in ("vk:barnaul22", "vk:gov_altai"):
            watching.add_watch(runtime, name, municipality=None, every="5m", actor="cli")
        yield vk


def test_complaints_on_two_walls_become_appeals_once_each_and_chatter_does_not(runtime, watched, clock):
    vk = watched
    city_post = vk.post(-CITY, "Сколько можно терпеть ямы на Малахова, колёса пробиваем каждый день", from_id=11)
    vk.post(-CITY, "Какой закат сегодня над Обью, красота")
    news = vk.post(-GOV, "Губернатор провёл совещание по подготовке к зиме")
    chat = vk.comment(-GOV, news, "Спасибо за информацию", from_id=12)
    heat = vk.comment(-GOV, news, "Когда уже дадут отопление на Попова 105? Дети мёрзнут", from_id=13)
    vk.reply(-GOV, news, chat, "Поздравляю всех с праздником", from_id=14)

    run_job(runtime, "watch")
    clock.set(clock() + timedelta(minutes=6))
    run_job(runtime, "watch")

    appeals = list(AppealRecord.select().where(AppealRecord.channel == "monitor").order_by(AppealRecord.id))
    assert [(a.link, a.author_id, a.regime) for a in appeals] == [
        (f"https://vk.com/wall-{CITY}_{city_post}", "vk:11", "incident"),
        (f"https://vk.com/wall-{GOV}_{news}?reply={heat}", "vk:13", "incident")]
    assert all(a.status != "received" for a in appeals)  # routed in the same tick
    stored = "".join(a.raw_payload for a in appeals)
    assert "Спасибо за информацию" not in stored and "Поздравляю" not in stored
    assert AuditRecord.select().where(AuditRecord.action == "appeal.received").count() == 2
    tasks = list(AuthorMessageRecord.select().where(AuthorMessageRecord.appeal == appeals[1].id))
    assert [(t.kind, t.route, t.status) for t in tasks] == [("acknowledgement", "manual", "manual")]
    assert f"{appeals[1].id}" in tasks[0].text


def test_the_operator_marks_the_reply_task_published_by_hand_once(runtime, watched, clock, client):
    from engine.services import credentials
    from tests.support.staff import bearer

    vk = watched
    news = vk.post(-GOV, "Губернатор провёл совещание по подготовке к зиме")
    vk.comment(-GOV, news, "Когда уже дадут отопление на Попова 105? Дети мёрзнут", from_id=13)
    run_job(runtime, "watch")
    task = AuthorMessageRecord.get(AuthorMessageRecord.status == "manual")
    curator = bearer(credentials.create_token(runtime.now(), "curator"))
    clock.set(clock() + timedelta(minutes=20))

    done = client.post(f"/api/v1/replies/{task.id}/published-by-hand",
                       json={"link": f"https://vk.com/wall-{GOV}_{news}?reply=99"}, headers=curator)
    again = client.post(f"/api/v1/replies/{task.id}/published-by-hand", json={}, headers=curator)

    assert done.status_code == 200 and done.json["published_at"] == clock().isoformat()
    assert again.status_code == 409
    task = AuthorMessageRecord.get_by_id(task.id)
    assert (task.status, task.sent_at, task.platform_id) == ("sent", clock(), f"https://vk.com/wall-{GOV}_{news}?reply=99")
    assert task.details["published_by_hand"]["by"] == done.json["published_by"]
    audit = AuditRecord.get(AuditRecord.action == "reply.published_by_hand")
    assert (audit.appeal_id, audit.details["message"]) == (task.appeal_id, task.id)


def test_a_complaint_on_a_registered_community_wall_is_answered_there_automatically(runtime, watched, clock):
    from engine.services import credentials

    credentials.add_channel(runtime.now(), "gov-vk", "vk", "secret-of-gov", confirmation="abc", group_id=GOV,
                            api_token="vk1.a.community-token-for-replies")
    vk = watched
    news = vk.post(-GOV, "Губернатор провёл совещание по подготовке к зиме")
    heat = vk.comment(-GOV, news, "Когда уже дадут отопление на Попова 105? Дети мёрзнут", from_id=13)
    city = vk.post(-CITY, "Сколько можно ждать автобус 17", from_id=15)

    run_job(runtime, "watch")

    appeals = {a.external_id: a for a in AppealRecord.select()}
    assert appeals[f"reply-{GOV}_{heat}"].channel == "gov-vk"
    assert appeals[f"wall-{CITY}_{city}"].channel == "monitor"
    routes = {m.appeal_id: (m.route, m.status, m.address) for m in AuthorMessageRecord.select()}
    assert routes[appeals[f"reply-{GOV}_{heat}"].id] == (
        "vk_comment", "pending", {"owner_id": -GOV, "post_id": news, "comment_id": heat, "group_id": GOV})
    assert routes[appeals[f"wall-{CITY}_{city}"].id][:2] == ("manual", "manual")
