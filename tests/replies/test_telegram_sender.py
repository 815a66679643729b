"""Replies on Telegram against a local Bot API: sendMessage as a reply, each error class, one chat's pace."""

from __future__ import annotations

import time

import pytest

from engine.alerts.message import DeliveryError
from engine.replies.pacing import Pacer
from engine.replies.telegram import TelegramReplySender
from tests.support.replies import outgoing_reply
from tests.support.smtp import free_port
from tests.support.telegram_api import FakeTelegramBotApi

TOKEN = "123456789:AAFakeBotTokenForTests_0123456789"
CHAT = 100200302


@pytest.fixture
def telegram():
    with FakeTelegramBotApi(TOKEN) as server:
        yield server


@pytest.fixture
def sender(telegram):
    return TelegramReplySender(telegram.url, Pacer(), timeout=5)


def reply(**overrides):
    return outgoing_reply("telegram", {"chat_id": CHAT, "message_id": 31}, **{"token": TOKEN, **overrides})


def test_a_reply_is_sent_in_the_residents_chat_as_a_reply_to_their_message(telegram, sender):
    receipt = sender.send(reply())

    [request] = telegram.requests
    assert request["method"] == "sendMessage" and request["token"] == TOKEN
    assert request["payload"] == {"chat_id": CHAT, "text": reply().text,
                                  "reply_parameters": {"message_id": 31, "allow_sending_without_reply": True}}
    [message] = telegram.received
    assert message["reply_to_message"]["message_id"] == 31 and message["chat"]["id"] == CHAT
    assert receipt.platform_id == str(message["message_id"])


def test_a_reply_reaches_the_resident_even_when_their_message_was_deleted(telegram, sender):
    telegram.delete_message(CHAT, 31)

    sender.send(reply())

    [message] = telegram.received
    assert "reply_to_message" not in message


def test_a_text_over_4096_characters_is_cut_at_a_word_and_accepted(telegram, sender):
    original = "Сообщаем: " + "работы по ремонту дороги завершены " * 200

    sender.send(reply(text=original))

    text = telegram.received[0]["text"]
    assert len(text) <= 4096 and text.endswith("…")
    assert original.startswith(text[:-1] + " ")  # the last word is whole


def test_too_many_requests_is_tried_again_after_the_retry_after_telegram_gave(telegram, sender):
    telegram.rate_limit(retry_after=7)

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert error.value.retry_after == 7 and not error.value.permanent
    assert sender.send(reply()).platform_id


def test_a_revoked_bot_token_is_a_credentials_failure_that_never_shows_the_token(telegram, sender):
    telegram.revoke_token()

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert error.value.credentials and error.value.permanent
    assert "токен бота недействителен" in str(error.value)
    assert TOKEN not in str(error.value) and TOKEN.split(":")[1] not in str(error.value)


def test_a_404_on_the_bot_path_is_a_bad_token_too(telegram, sender):
    telegram.script_error(404, "Not Found")

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert error.value.credentials


def test_a_channel_without_a_bot_token_fails_as_credentials_without_calling_telegram(telegram, sender):
    with pytest.raises(DeliveryError) as error:
        sender.send(reply(token=""))

    assert error.value.credentials and "--bot-token" in str(error.value)
    assert telegram.requests == []


def test_a_resident_who_blocked_the_bot_is_permanent_for_this_reply(telegram, sender):
    telegram.block(CHAT)

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert error.value.permanent and not error.value.credentials
    assert "пользователь заблокировал бота" in str(error.value)


def test_an_unknown_chat_is_permanent(sender, telegram):
    telegram.known_chats = {"555"}

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert error.value.permanent and not error.value.credentials
    assert "чат не найден" in str(error.value) and "chat not found" in str(error.value)


def test_a_failing_gateway_is_tried_again(telegram, sender):
    telegram.fail_next = 1

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert not error.value.permanent and "HTTP 502" in str(error.value)


def test_telegram_out_of_reach_is_tried_again_and_the_error_hides_the_token():
    sender = TelegramReplySender(f"http://127.0.0.1:{free_port()}", Pacer(), timeout=2)

    with pytest.raises(DeliveryError) as error:
        sender.send(reply())

    assert not error.value.permanent and TOKEN.split(":")[1] not in str(error.value)


@pytest.mark.slow
def test_two_replies_to_one_chat_are_a_second_apart_and_telegram_takes_both():
    with FakeTelegramBotApi(TOKEN, per_chat_interval=1.0) as telegram:
        sender = TelegramReplySender(telegram.url, Pacer(), timeout=5)
        started = time.monotonic()

        sender.send(reply())
        sender.send(reply(kind="forwarded", idempotency_key="appeal:17:forwarded:v1:telegram"))

    assert len(telegram.received) == 2
    assert time.monotonic() - started >= 1.0


def test_without_pacing_a_second_reply_to_one_chat_is_refused_by_telegram_for_a_second():
    with FakeTelegramBotApi(TOKEN, per_chat_interval=1.0) as telegram:
        sender = TelegramReplySender(telegram.url, Pacer(), chat_messages_per_second=1000, timeout=5)
        sender.send(reply())

        with pytest.raises(DeliveryError) as error:
            sender.send(reply(kind="forwarded", idempotency_key="appeal:17:forwarded:v1:telegram"))

    assert error.value.retry_after == 1
