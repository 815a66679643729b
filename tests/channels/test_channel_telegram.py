"""Telegram bot webhook: the secret header, 200 for every valid update, de-duplication, edits."""

from __future__ import annotations

import pytest

from engine.services import credentials
from engine.store.channel_events import AppealRevisionRecord
from engine.store.models import AppealRecord
from tests.support.telegram_updates import SECRET, message, post


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "cur-bot", "telegram", SECRET)
    return "cur-bot"


def test_a_message_becomes_a_routed_appeal_with_the_authors_name_and_id(client, channel):
    answer = post(client, {"update_id": 10_001, "message": message()})

    assert answer.status_code == 200
    appeal = AppealRecord.get()
    assert (appeal.external_id, appeal.author_id, appeal.author_name) == ("777001_501", "tg:777001", "Ольга Петрова")
    assert appeal.author_contact == "@olga_p"
    assert appeal.status == "routed"
    assert appeal.topic == "housing"
    assert appeal.municipality == "rubtsovsk"


@pytest.mark.both_databases
def test_a_repeated_update_id_is_200_and_stores_nothing_new(client, channel):
    post(client, {"update_id": 10_001, "message": message()})
    again = post(client, {"update_id": 10_001, "message": message(message_id=502)})

    assert again.status_code == 200
    assert AppealRecord.select().count() == 1


def test_a_channel_post_with_a_photo_and_a_public_username_links_back(client, channel):
    post_ = {"message_id": 90, "sender_chat": {"id": -100_123, "title": "Бийск онлайн", "type": "channel",
                                                "username": "biysk_online"},
             "chat": {"id": -100_123, "title": "Бийск онлайн", "type": "channel", "username": "biysk_online"},
             "date": 1_764_471_000, "caption": "Мусор не вывозят с контейнерной площадки",
             "photo": [{"file_id": "small", "file_unique_id": "a", "file_size": 100, "width": 90, "height": 90},
                       {"file_id": "big", "file_unique_id": "b", "file_size": 9000, "width": 800, "height": 800}]}

    assert post(client, {"update_id": 7, "channel_post": post_}).status_code == 200

    appeal = AppealRecord.get()
    assert appeal.link == "https://t.me/biysk_online/90"
    assert appeal.attachments == ["telegram-file:big"]
    assert appeal.author_id == "tg:-100123"


def test_an_edited_message_is_recorded_and_the_original_text_kept(client, channel):
    post(client, {"update_id": 1, "message": message("Нет воды")})
    edited = {**message("Нет горячей воды"), "edit_date": 1_764_471_100}

    assert post(client, {"update_id": 2, "edited_message": edited}).status_code == 200

    assert AppealRecord.get().text == "Нет воды"
    assert [(r.kind, r.text) for r in AppealRevisionRecord.select()] == [("edited", "Нет горячей воды")]


@pytest.mark.parametrize("update", [
    {"update_id": 3, "message": message("/start")},
    {"update_id": 4, "message": {k: v for k, v in message().items() if k != "text"} | {"sticker": {"file_id": "s"}}},
    {"update_id": 5, "callback_query": {"id": "1", "from": {"id": 1, "is_bot": False, "first_name": "A"}}},
    {"update_id": 6, "my_chat_member": {"chat": {"id": 1, "type": "private"}}},
])
def test_updates_without_an_appeal_are_still_answered_200(client, channel, update):
    assert post(client, update).status_code == 200
    assert AppealRecord.select().count() == 0


def test_a_wrong_or_missing_secret_token_is_401(client, channel):
    assert post(client, {"update_id": 1, "message": message()}, secret="nope").status_code == 401
    assert post(client, {"update_id": 1, "message": message()}, secret=None).status_code == 401
    assert AppealRecord.select().count() == 0


def test_bodies_that_are_not_updates_are_4xx(client, channel):
    assert post(client, b"{oops").status_code == 400
    answer = post(client, {"message": message()})
    assert answer.status_code == 422
    assert "update_id" in answer.get_json()["error"]["fields"]
    assert AppealRecord.select().count() == 0


@pytest.mark.both_databases
def test_emoji_and_a_100k_character_text_are_accepted(client, channel):
    long_text = "Яма на дороге 🚧 " * 7000
    assert post(client, {"update_id": 1, "message": message("Спасибо 🙏 но яма 🕳️ осталась")}).status_code == 200
    # another resident: a second message in the same private chat would continue the first appeal
    other = {"id": 777_002, "is_bot": False, "first_name": "Игорь"}
    assert post(client, {"update_id": 2, "message": message(long_text, message_id=2, chat={**other, "type": "private"},
                                                             **{"from": other})}).status_code == 200

    assert sorted(len(a.text) for a in AppealRecord.select()) == [len("Спасибо 🙏 но яма 🕳️ осталась"), 100_000]
