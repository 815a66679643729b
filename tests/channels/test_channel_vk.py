"""VK Callback API: confirmation, secret, plain `ok`, de-duplication, appeals, edits and deletions."""

from __future__ import annotations

import pytest

from engine.services import credentials
from engine.store.channel_events import AppealRevisionRecord
from engine.store.models import AppealRecord
from tests.support.vk_callback import GROUP, SECRET, comment, event, post


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4")
    return "gov-vk"


def test_a_confirmation_request_is_answered_with_the_configured_string_as_plain_text(client, channel):
    answer = post(client, {"type": "confirmation", "group_id": GROUP, "secret": SECRET})

    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True) == "a1b2c3d4"


def test_a_new_wall_comment_becomes_a_routed_incident_with_author_link_and_attachments(client, channel):
    photo = {"type": "photo", "photo": {"id": 1, "owner_id": 52_001_777, "sizes": [
        {"type": "s", "url": "https://sun9-1.userapi.com/s.jpg", "width": 75, "height": 56},
        {"type": "x", "url": "https://sun9-1.userapi.com/x.jpg", "width": 604, "height": 453}]}}

    answer = post(client, event("wall_reply_new", comment(attachments=[photo])))

    assert answer.status_code == 200 and answer.get_data(as_text=True) == "ok"
    appeal = AppealRecord.get()
    assert appeal.external_id == f"reply-{GROUP}_4051"
    assert appeal.author_id == "vk:52001777"
    assert appeal.link == f"https://vk.com/wall-{GROUP}_812?reply=4051"
    assert appeal.attachments == ["https://sun9-1.userapi.com/x.jpg"]
    assert appeal.regime == "incident"
    assert appeal.status == "routed"
    assert appeal.topic == "roads"
    assert appeal.municipality == "barnaul"  # from the text: "в Барнауле"


@pytest.mark.both_databases
def test_a_repeated_event_id_is_acknowledged_without_a_second_appeal(client, channel):
    first = post(client, event("wall_reply_new", comment()))
    again = post(client, event("wall_reply_new", comment(id=9999)))  # same event_id, VK retried

    assert first.get_data(as_text=True) == again.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 1


@pytest.mark.parametrize("kind, obj, external_id, link", [
    ("wall_post_new", {"id": 77, "owner_id": -GROUP, "from_id": 5, "date": 1_764_471_000, "post_type": "suggest",
                       "text": "Мусор не вывозят неделю"}, f"wall-{GROUP}_77", f"https://vk.com/wall-{GROUP}_77"),
    ("message_new", {"message": {"id": 0, "date": 1_764_471_000, "peer_id": 5, "from_id": 5,
                                 "conversation_message_id": 31, "text": "Нет горячей воды", "attachments": []},
                     "client_info": {"keyboard": True}}, "msg5_31", f"https://vk.com/gim{GROUP}?sel=5"),
    ("board_post_new", {"id": 12, "from_id": 5, "date": 1_764_471_000, "text": "Автобус 35 не ходит",
                        "topic_id": 400, "topic_owner_id": -GROUP}, f"topic-{GROUP}_400_12",
     f"https://vk.com/topic-{GROUP}_400?post=12"),
    ("photo_comment_new", {"id": 3, "from_id": 5, "date": 1_764_471_000, "text": "Это яма у школы",
                           "photo_id": 456239017, "photo_owner_id": -GROUP}, f"photo_comment-{GROUP}_3",
     f"https://vk.com/photo-{GROUP}_456239017"),
])
def test_every_appeal_event_type_becomes_an_appeal_with_a_link_back(client, channel, kind, obj, external_id, link):
    assert post(client, event(kind, obj)).get_data(as_text=True) == "ok"

    appeal = AppealRecord.get()
    assert (appeal.external_id, appeal.link, appeal.author_id) == (external_id, link, "vk:5")


def test_an_edit_and_a_deletion_are_recorded_beside_the_original_text(client, channel):
    post(client, event("wall_reply_new", comment("Во дворе яма")))
    post(client, event("wall_reply_edit", comment("Во дворе яма, уже две"), event_id="ev-2"))
    post(client, event("wall_reply_delete", {"owner_id": -GROUP, "id": 4051, "deleter_id": 52_001_777,
                                             "post_id": 812}, event_id="ev-3"))
    post(client, event("wall_reply_delete", {"owner_id": -GROUP, "id": 4051, "deleter_id": 1, "post_id": 812},
                       event_id="ev-3"))  # retried

    appeal = AppealRecord.get()
    assert appeal.text == "Во дворе яма"
    revisions = [(r.kind, r.text) for r in AppealRevisionRecord.select().order_by(AppealRevisionRecord.id)]
    assert revisions == [("edited", "Во дворе яма, уже две"), ("deleted", None)]


def test_an_unknown_event_type_is_acknowledged_and_creates_no_appeal(client, channel):
    answer = post(client, event("group_join", {"user_id": 5, "join_type": "join"}))

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 0


def test_the_communitys_own_reply_is_not_an_appeal(client, channel):
    answer = post(client, event("wall_reply_new", comment("Спасибо, передали в комитет", from_id=-GROUP)))

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 0


def test_a_wrong_or_missing_secret_is_403_and_nothing_is_done(client, channel):
    wrong = post(client, event("wall_reply_new", comment(), secret="guess"))
    missing = post(client, {k: v for k, v in event("confirmation", {}).items() if k != "secret"})

    assert wrong.status_code == missing.status_code == 403
    assert wrong.get_json()["error"]["code"] == "bad_secret"
    assert AppealRecord.select().count() == 0


def test_malformed_bodies_are_4xx_json_naming_the_problem(client, channel):
    assert post(client, b"{not json").status_code == 400
    assert post(client, b"[1]").status_code == 400
    answer = post(client, event("wall_reply_new", {"id": "x", "text": 5}))
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) >= {"id", "text"}
    answer = post(client, event("wall_reply_new", {"id": 1, "text": "яма"}))
    assert answer.status_code == 422
    assert "owner_id" in answer.get_json()["error"]["fields"]["object"]
    assert AppealRecord.select().count() == 0


@pytest.mark.both_databases
def test_cyrillic_with_emoji_and_a_100k_character_text_are_stored_intact(client, channel):
    emoji = "Опять 😡🚧 яма на дороге в Бийске!!! 🙏"
    long_text = ("Во дворе огромная яма. " * 5000)[:100_000]

    post(client, event("wall_reply_new", comment(emoji)))
    post(client, event("wall_reply_new", comment(long_text, id=4052), event_id="ev-2"))

    texts = sorted((a.text for a in AppealRecord.select()), key=len)
    assert texts == [emoji, long_text]
    assert AppealRecord.get(AppealRecord.text == emoji).municipality == "biysk"


def test_a_body_over_the_limit_is_413(client, channel):
    answer = post(client, event("wall_reply_new", comment("я" * 600_000)))

    assert answer.status_code == 413
    assert AppealRecord.select().count() == 0


@pytest.mark.both_databases
def test_a_text_with_a_nul_character_is_stored_without_it(client, channel):
    answer = post(client, event("wall_reply_new", comment("Яма\u0000 на дороге")))

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.get().text == "Яма на дороге"
