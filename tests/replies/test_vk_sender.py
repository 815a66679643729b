"""Replies on VK against a local VK API: the calls VK expects, each error class, pacing under its rate."""

from __future__ import annotations

import time

import pytest

from engine.alerts.message import DeliveryError
from engine.config import Settings
from engine.replies.pacing import Pacer
from engine.replies.shortening import vk_length
from engine.replies.vk import VkReplySender, random_id
from tests.support.replies import outgoing_reply
from tests.support.smtp import free_port
from tests.support.vk_api import FakeVkApi

TOKEN = "vk1.a.community-token-for-tests"
GROUP = 218861756
COMMENT = {"owner_id": -GROUP, "post_id": 4266, "comment_id": 4301, "group_id": GROUP}


@pytest.fixture
def vk():
    with FakeVkApi(TOKEN, group_id=GROUP) as server:
        yield server


@pytest.fixture
def sender(vk):
    return VkReplySender(vk.url, Pacer(), timeout=5)


def comment_reply(**overrides):
    return outgoing_reply("vk_comment", dict(COMMENT), **{"token": TOKEN, **overrides})


def message_reply(**overrides):
    return outgoing_reply("vk_message", {"peer_id": 2000000001}, **{"token": TOKEN, **overrides})


def test_a_reply_under_the_residents_comment_is_posted_as_the_community(vk, sender):
    receipt = sender.send(comment_reply())

    [comment] = vk.comments
    assert comment["params"] == {
        "owner_id": str(-GROUP), "post_id": "4266", "reply_to_comment": "4301", "from_group": str(GROUP),
        "message": comment_reply().text, "guid": comment["params"]["guid"], "access_token": TOKEN, "v": "5.199"}
    assert receipt.platform_id == str(comment["id"])
    assert vk.requests[0]["query"] == {}  # the token travels in the POST body, never in the URL


def test_a_reply_to_a_post_without_a_comment_comments_on_the_post_as_its_community(vk, sender):
    sender.send(outgoing_reply("vk_comment", {"owner_id": -GROUP, "post_id": 77}, token=TOKEN))

    params = vk.comments[0]["params"]
    assert "reply_to_comment" not in params and params["from_group"] == str(GROUP)


def test_a_private_message_carries_a_random_id_from_the_key_so_vk_drops_a_repeat(vk, sender):
    first = sender.send(message_reply())
    again = sender.send(message_reply())  # the answer to the first was lost; the job tries again

    [message] = vk.messages
    assert message["params"]["peer_id"] == "2000000001"
    assert message["params"]["random_id"] == str(random_id(message_reply().idempotency_key))
    assert first.platform_id == again.platform_id == str(message["id"])
    assert random_id("appeal:17:extended:v2:vk_message") != random_id(message_reply().idempotency_key)


def test_a_repeated_comment_carries_the_same_guid(vk, sender):
    sender.send(comment_reply())
    sender.send(comment_reply())

    assert len(vk.comments) == 1
    assert vk.requests[0]["params"]["guid"] == vk.requests[1]["params"]["guid"]


def test_a_text_over_vk_limit_is_cut_at_a_word_with_an_ellipsis_and_accepted(vk, sender):
    text = "Ответ: " + " ".join(['ремонт "под ключ" & благоустройство'] * 200)

    sender.send(message_reply(text=text))

    sent = vk.messages[0]["params"]["message"]
    assert sent.endswith("…") and vk_length(sent) <= 4096 and text.startswith(sent[:-1])


@pytest.mark.parametrize("code, retry_after", [(6, 1), (9, 300), (29, 3600), (10, 30), (1, 60), (42, 300)])
def test_rate_limits_and_vk_failures_are_tried_again_later(vk, sender, code, retry_after):
    vk.script_error(code)

    with pytest.raises(DeliveryError) as error:
        sender.send(comment_reply())

    assert not error.value.permanent and not error.value.credentials
    assert error.value.retry_after == retry_after
    assert f"код {code}" in str(error.value)
    assert sender.send(comment_reply()).platform_id  # the next attempt goes through


def test_a_revoked_community_token_is_a_credentials_failure_that_never_shows_the_token(vk, sender):
    vk.revoke_token()

    with pytest.raises(DeliveryError) as error:
        sender.send(message_reply())

    assert error.value.credentials and error.value.permanent
    assert "токен доступа сообщества недействителен" in str(error.value)
    assert TOKEN not in str(error.value)


def test_a_channel_without_a_token_fails_as_credentials_without_calling_vk(vk, sender):
    with pytest.raises(DeliveryError) as error:
        sender.send(message_reply(token=None))

    assert error.value.credentials
    assert "--access-token" in str(error.value)
    assert vk.requests == []


def test_closed_comments_are_permanent_for_this_reply_with_the_reason_in_russian(vk, sender):
    vk.close_comments(-GROUP, 4266)

    with pytest.raises(DeliveryError) as error:
        sender.send(comment_reply())

    assert error.value.permanent and not error.value.credentials
    assert "комментарии к записи закрыты (код 213" in str(error.value)


def test_a_resident_who_does_not_accept_messages_is_permanent_for_this_reply(vk, sender):
    vk.deny_messages(2000000001)

    with pytest.raises(DeliveryError) as error:
        sender.send(message_reply())

    assert error.value.permanent and not error.value.credentials
    assert "пользователь не разрешил сообщения от сообщества" in str(error.value)


@pytest.mark.parametrize("code, reason", [(7, "нет прав"), (15, "доступ запрещён"), (203, "нет доступа к сообществу"),
                                          (212, "нет доступа к комментариям"), (214, "публикация запрещена")])
def test_access_refusals_are_permanent_with_their_reason(vk, sender, code, reason):
    vk.script_error(code)

    with pytest.raises(DeliveryError) as error:
        sender.send(comment_reply())

    assert error.value.permanent and not error.value.credentials and reason in str(error.value)


def test_an_address_without_a_post_is_permanent_before_any_call(vk, sender):
    with pytest.raises(DeliveryError) as error:
        sender.send(outgoing_reply("vk_comment", {"owner_id": -GROUP}, token=TOKEN))

    assert error.value.permanent and "post_id" in str(error.value)
    assert vk.requests == []


def test_vk_out_of_reach_is_tried_again():
    sender = VkReplySender(f"http://127.0.0.1:{free_port()}/method", Pacer(), timeout=2)

    with pytest.raises(DeliveryError) as error:
        sender.send(comment_reply())

    assert not error.value.permanent and TOKEN not in str(error.value)


@pytest.mark.slow
def test_twenty_five_replies_in_a_burst_stay_under_vk_twenty_calls_a_second(vk):
    vk.calls_per_second = 20
    sender = VkReplySender(vk.url, Pacer(), calls_per_second=Settings.from_env({}).vk_calls_per_second, timeout=5)
    started = time.monotonic()

    for n in range(25):
        sender.send(comment_reply(idempotency_key=f"appeal:{n}:acknowledgement:v1:vk_comment"))

    assert len(vk.comments) == 25
    assert time.monotonic() - started >= 1.2


def test_without_pacing_the_same_burst_trips_vk_too_many_requests(vk):
    vk.calls_per_second = 20
    sender = VkReplySender(vk.url, Pacer(), calls_per_second=10_000, timeout=5)

    with pytest.raises(DeliveryError) as error:
        for n in range(25):
            sender.send(comment_reply(idempotency_key=f"appeal:{n}:acknowledgement:v1:vk_comment"))

    assert error.value.retry_after == 1 and "код 6" in str(error.value)
