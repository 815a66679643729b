"""Pacing under the platforms' rates, on an injected clock: waits when the turn is near, defers when not."""

from __future__ import annotations

import pytest

from engine.alerts.message import DeliveryError
from engine.replies.pacing import Deferred, Pacer, key_for

VK_TOKEN = "vk1.a.community-token"
BOT_TOKEN = "123456789:AAFakeBotTokenForTests_0123456789"


class SteadyClock:
    """Monotonic seconds that move only when someone sleeps (one caller after another)."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class StoppedClock(SteadyClock):
    """Callers that arrive together: sleeping does not move the time the next caller sees."""

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_twenty_one_calls_with_one_vk_token_take_one_second_spread_evenly():
    clock = SteadyClock()
    pacer = Pacer(clock, clock.sleep)
    vk = key_for("vk", VK_TOKEN)

    for _ in range(21):
        pacer.pace([(vk, 20)])

    assert clock.now - 1000.0 == pytest.approx(1.0)
    assert clock.slept == pytest.approx([0.05] * 20)


def test_two_vk_tokens_do_not_slow_each_other():
    clock = SteadyClock()
    pacer = Pacer(clock, clock.sleep)

    for n in range(10):
        pacer.pace([(key_for("vk", f"{VK_TOKEN}-{n}"), 20)])

    assert clock.slept == []


def test_a_second_message_to_one_telegram_chat_waits_a_second_and_another_chat_does_not():
    clock = SteadyClock()
    pacer = Pacer(clock, clock.sleep)
    bot = key_for("telegram", BOT_TOKEN)

    pacer.pace([(bot, 30), (key_for("telegram", BOT_TOKEN, 555), 1)])
    waited_other_chat = pacer.pace([(bot, 30), (key_for("telegram", BOT_TOKEN, 777), 1)])
    waited_same_chat = pacer.pace([(bot, 30), (key_for("telegram", BOT_TOKEN, 555), 1)])

    assert waited_other_chat == pytest.approx(1 / 30)
    assert waited_same_chat == pytest.approx(1 - 1 / 30)  # a second after the first message to 555


def test_a_turn_further_away_than_the_bound_is_deferred_with_retry_after_and_costs_nothing():
    clock = StoppedClock()
    pacer = Pacer(clock, clock.sleep, max_wait=2.0)
    chat = key_for("telegram", BOT_TOKEN, 555)

    waits = [pacer.pace([(chat, 1)]) for _ in range(3)]
    with pytest.raises(Deferred) as deferred:
        pacer.pace([(chat, 1)])

    assert waits == [0.0, 1.0, 2.0]
    assert isinstance(deferred.value, DeliveryError)
    assert deferred.value.retry_after == 3 and not deferred.value.permanent and not deferred.value.credentials
    clock.now += 3.0  # the deferred call took no turn: the next one is due right then
    assert pacer.pace([(chat, 1)]) == pytest.approx(0.0)


def test_a_bucket_key_never_holds_the_token():
    key = key_for("telegram", BOT_TOKEN, 555)

    assert BOT_TOKEN not in key and BOT_TOKEN.split(":")[1] not in key
    assert key == key_for("telegram", BOT_TOKEN, "555")
    assert key != key_for("telegram", BOT_TOKEN + "x", 555)
