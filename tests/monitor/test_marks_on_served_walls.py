"""«Не обращение» on the wall of a served community that is also watched: the watch job's complaint
stage made the appeal (it carries the community's own channel, so it is answered under the post), so
staff may mark it and the mark is a case of the stage; what residents send through the Callback API
was judged by no complaint stage and is not marked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from engine.monitor.vk_reader import VkWallReader
from engine.replies.pacing import Pacer
from engine.services import credentials, monitor_marks, watching
from engine.services.watch_poll import Verdict, poll_walls
from engine.store.models import AppealRecord
from tests.support.staff import bearer
from tests.support.vk_callback import GROUP, SECRET, comment, event, post
from tests.support.vk_walls import FakeVkWalls
from webhooks.cli import main

pytestmark = pytest.mark.both_databases

KEY = "service-key-for-tests"
TEXT = "Когда уже лето, сколько можно ждать тепла"


def judge(text: str) -> Verdict:
    return Verdict("когда уже" in text.lower(), 1.0, ("когда уже",))


@pytest.fixture
def served_wall(runtime, clock):
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4", group_id=GROUP,
                            api_token="vk1.a.community-token-for-replies")
    with FakeVkWalls(KEY) as vk:
        vk.community(GROUP, "gov22", "Правительство Алтайского края")
        vk.now = int((runtime.now() - timedelta(hours=2)).timestamp())
        reader = VkWallReader(vk.url, KEY, Pacer(clock=lambda: clock().timestamp(), sleep=lambda s: None),
                              calls_per_second=3)
        watching.add_watch(runtime, "vk:gov22", municipality=None, every="5m", actor="cli", vk=reader)
        yield vk, reader


def test_an_appeal_the_watch_made_on_a_served_wall_is_marked_and_becomes_a_case(
        runtime, client, served_wall, database_url, monkeypatch, capsys):
    vk, reader = served_wall
    gov_post = vk.post(-GROUP, "Губернатор ответит на вопросы жителей")
    ours = vk.comment(-GROUP, gov_post, TEXT, from_id=52_001_777)
    assert poll_walls(runtime, reader, judge).appeals == 1
    appeal = AppealRecord.get(AppealRecord.external_id == f"reply-{GROUP}_{ours}")
    assert appeal.channel == "gov-vk" and monitor_marks.may_mark(appeal, "curator")
    assert not monitor_marks.may_mark(appeal, "manager")
    curator = bearer(credentials.create_token(runtime.now(), "curator"))

    marked = client.post(f"/api/v1/monitor/appeals/{appeal.id}/not-an-appeal", json={}, headers=curator)

    assert marked.status_code == 201
    assert AppealRecord.get_by_id(appeal.id).status == "closed"
    monkeypatch.setenv("APPEALS_DATABASE_URL", database_url)
    assert main(["rules", "cases", "--from-marks"]) == 0
    cases = yaml.safe_load(capsys.readouterr().out)["cases"]
    assert [(c["given"], c["expect"]) for c in cases] == [({"text": TEXT}, {"complaint": False})]
    undone = client.post(f"/api/v1/monitor/appeals/{appeal.id}/not-an-appeal/undo", json={"reason": "жалоба"},
                         headers=curator)
    assert undone.status_code == 200 and AppealRecord.get_by_id(appeal.id).status != "closed"


def test_what_a_resident_sent_through_the_callback_api_is_not_marked(runtime, client, served_wall):
    vk, _ = served_wall
    gov_post = vk.post(-GROUP, "Губернатор ответит на вопросы жителей")
    assert post(client, event("wall_reply_new", comment(TEXT, id=9001, post_id=gov_post))).status_code == 200
    appeal = AppealRecord.get(AppealRecord.channel == "gov-vk")
    assert not monitor_marks.may_mark(appeal, "curator")  # the page offers no button
    curator = bearer(credentials.create_token(runtime.now(), "curator"))

    refused = client.post(f"/api/v1/monitor/appeals/{appeal.id}/not-an-appeal", json={}, headers=curator)

    assert refused.status_code == 409 and "наблюдением" in refused.json["error"]["message"]
    assert AppealRecord.get_by_id(appeal.id).status != "closed"
