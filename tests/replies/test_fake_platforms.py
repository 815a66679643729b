"""The local VK API and Telegram Bot API answer as the platforms do, so the senders' tests mean something."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.support.telegram_api import FakeTelegramBotApi
from tests.support.vk_api import FakeVkApi

VK_TOKEN = "vk1.a.fake-community-token"
BOT_TOKEN = "123456789:AAFakeBotTokenForTests_0123456789"


def post_form(url: str, params: dict) -> tuple[int, dict]:
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def vk():
    with FakeVkApi(VK_TOKEN, group_id=218861756) as server:
        yield server


@pytest.fixture
def telegram():
    with FakeTelegramBotApi(BOT_TOKEN) as server:
        yield server


def test_vk_answers_errors_inside_http_200_and_never_echoes_the_token(vk):
    status, answer = post_form(f"{vk.url}/wall.createComment",
                               {"access_token": "wrong", "v": "5.199", "owner_id": -1, "post_id": 1, "message": "x"})

    assert status == 200
    assert answer["error"]["error_code"] == 5
    assert "wrong" not in json.dumps(answer)
    assert vk.received == []


def test_vk_drops_a_repeated_random_id_and_answers_the_first_message_id(vk):
    params = {"access_token": VK_TOKEN, "v": "5.199", "peer_id": 42, "random_id": 7, "message": "Здравствуйте"}

    first = post_form(f"{vk.url}/messages.send", params)[1]
    again = post_form(f"{vk.url}/messages.send", params)[1]

    assert first == again == {"response": vk.messages[0]["id"]}
    assert len(vk.messages) == 1 and len(vk.requests) == 2


def test_a_scripted_vk_error_is_answered_once_then_the_call_passes(vk):
    vk.script_error(9, method="wall.createComment")
    params = {"access_token": VK_TOKEN, "v": "5.199", "owner_id": -218861756, "post_id": 3, "message": "Ответ"}

    assert post_form(f"{vk.url}/wall.createComment", params)[1]["error"]["error_code"] == 9
    assert post_form(f"{vk.url}/wall.createComment", params)[1]["response"]["comment_id"] == vk.comments[0]["id"]


def test_telegram_refuses_an_unknown_token_with_401_and_a_blocked_chat_with_403(telegram):
    assert post_json(f"{telegram.url}/bot1:nope/sendMessage", {"chat_id": 5, "text": "x"})[0] == 401
    telegram.block(5)

    status, answer = post_json(f"{telegram.url}/bot{BOT_TOKEN}/sendMessage", {"chat_id": 5, "text": "x"})

    assert (status, answer["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert telegram.received == [] and len(telegram.requests) == 2


def test_telegram_rate_limit_carries_retry_after_in_its_parameters(telegram):
    telegram.rate_limit(retry_after=7)

    status, answer = post_json(f"{telegram.url}/bot{BOT_TOKEN}/sendMessage", {"chat_id": 5, "text": "x"})

    assert status == 429 and answer["parameters"] == {"retry_after": 7}


def test_telegram_takes_a_form_too_and_replies_to_the_message_named(telegram):
    status, answer = post_form(f"{telegram.url}/bot{BOT_TOKEN}/sendMessage",
                               {"chat_id": "5", "text": "Ответ",
                                "reply_parameters": json.dumps({"message_id": 77})})

    assert status == 200
    assert answer["result"]["reply_to_message"]["message_id"] == 77
    assert telegram.received == [answer["result"]]
