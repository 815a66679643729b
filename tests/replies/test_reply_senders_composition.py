"""The composition root builds a sender for every pushed reply route from the settings."""

from __future__ import annotations

import pytest

from engine.bootstrap import bootstrap, default_reply_senders
from engine.config import Settings
from engine.replies.callback import CallbackReplySender
from engine.replies.email import EmailReplySender
from engine.replies.telegram import TelegramReplySender
from engine.replies.vk import VkReplySender
from tests.support.replies import outgoing_reply
from tests.support.vk_api import FakeVkApi


def test_every_pushed_route_has_a_sender_and_open311_and_manual_have_none(runtime):
    senders = runtime.reply_senders

    assert set(senders) == {"vk_comment", "vk_message", "telegram", "email", "callback"}
    assert isinstance(senders["vk_comment"], VkReplySender) and senders["vk_message"] is senders["vk_comment"]
    assert isinstance(senders["telegram"], TelegramReplySender)
    assert isinstance(senders["email"], EmailReplySender)
    assert isinstance(senders["callback"], CallbackReplySender)
    assert senders["telegram"].pacer is senders["vk_comment"].pacer


def test_the_vk_api_defaults_to_the_public_one_and_follows_appeals_vk_api_url():
    assert Settings.from_env({}).vk_api_url == "https://api.vk.com/method"
    settings = Settings.from_env({"APPEALS_VK_API_URL": "http://127.0.0.1:9/method/",
                                  "APPEALS_VK_CALLS_PER_SECOND": "5",
                                  "APPEALS_TELEGRAM_MESSAGES_PER_SECOND": "12",
                                  "APPEALS_TELEGRAM_API_URL": "http://127.0.0.1:9"})

    senders = default_reply_senders(settings)

    assert senders["vk_comment"].api_url == "http://127.0.0.1:9/method"
    assert senders["vk_comment"].calls_per_second == 5
    assert senders["telegram"].api_url == "http://127.0.0.1:9"
    assert senders["telegram"].messages_per_second == 12


@pytest.mark.parametrize("name", ["APPEALS_VK_CALLS_PER_SECOND", "APPEALS_TELEGRAM_MESSAGES_PER_SECOND"])
def test_a_rate_of_zero_is_refused_at_start(name):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: "0"})


def test_a_runtime_built_from_the_environment_replies_on_the_vk_api_it_names(settings, clock, policy_set):
    with FakeVkApi("vk1.a.token", group_id=218861756) as vk:
        rt = bootstrap(Settings.from_env({"APPEALS_VK_API_URL": vk.url}, database_url=settings.database_url,
                                         rules_dir=settings.rules_dir), clock=clock, policy_set=policy_set)

        receipt = rt.reply_senders["vk_message"].send(
            outgoing_reply("vk_message", {"peer_id": 42}, token="vk1.a.token"))

    assert receipt.platform_id == str(vk.messages[0]["id"])


def test_tests_can_give_their_own_reply_senders(settings, clock, policy_set):
    mine = {"telegram": object()}

    assert bootstrap(settings, clock=clock, policy_set=policy_set, reply_senders=mine).reply_senders is mine
