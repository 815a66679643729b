"""Staff alerts honour the platform's «not before»: Telegram's 429 ``retry_after`` and a signed webhook's
``Retry-After`` (seconds or an HTTP date) hold the alert back until then, and it is delivered once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime

import pytest

from engine.alerts.telegram import TelegramSender
from engine.alerts.webhook import WebhookSender
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, AuditRecord
from tests.support.appeals import pit_appeal
from tests.support.http_receivers import WebhookReceiver
from tests.support.moments import at
from tests.support.reply_platforms import BOT_TOKEN
from tests.support.rules_copy import edited_policy, official

SECRET = "alert-webhook-secret"


@pytest.fixture
def receiver(clock):
    with WebhookReceiver(SECRET, clock) as server:
        yield server


def breach_alert(runtime, clock, tmp_path, channel: str, **where) -> AlertRecord:
    """Gromov reads only ``channel``; the pit appeal's breach alert to him is written and due now."""
    runtime.settings = replace(runtime.settings, catchup_minutes=60 * 24 * 365)

    def channels(doc):
        official(doc, "gromov-ka").update(channels=[channel], **where)
    runtime.policy_set = edited_policy(tmp_path, directory=channels)
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)
    return AlertRecord.get((AlertRecord.channel == channel) & (AlertRecord.recipient == "gromov-ka"))


def sent_once_at(runtime, clock, alert_id: int, due, received) -> None:
    """Not a call before ``due``; at ``due`` the alert leaves, once."""
    clock.set(due - timedelta(seconds=1))
    assert deliver_pending(runtime).sent == 0
    assert received() == 0
    clock.set(due)
    assert deliver_pending(runtime).sent == 1
    clock.set(due + timedelta(days=1))
    assert deliver_pending(runtime).sent == 0
    assert received() == 1
    alert = AlertRecord.get_by_id(alert_id)
    assert (alert.status, alert.attempts, alert.sent_at) == ("sent", 2, due)


@pytest.mark.both_databases
def test_a_telegram_429_holds_the_alert_until_its_retry_after_then_it_is_sent_once(runtime, clock, tmp_path,
                                                                                   platforms):
    runtime.senders["telegram"] = TelegramSender(platforms.telegram.url, BOT_TOKEN, timeout=5)
    alert = breach_alert(runtime, clock, tmp_path, "telegram", telegram_chat_id=555)
    platforms.telegram.rate_limit(retry_after=30)
    now = clock()

    report = deliver_pending(runtime)

    assert (report.sent, report.failed, report.dead) == (0, 1, 0)
    held = AlertRecord.get_by_id(alert.id)
    assert (held.status, held.attempts, held.next_attempt_at) == ("pending", 1, now + timedelta(seconds=30))
    assert "слишком много сообщений, повтор через 30 с" in held.last_error
    assert len(platforms.telegram.requests) == 1
    sent_once_at(runtime, clock, alert.id, now + timedelta(seconds=30), lambda: len(platforms.telegram.received))
    assert len(platforms.telegram.requests) == 2
    actions = [a.action for a in AuditRecord.select().where(AuditRecord.action.startswith("alert."))]
    assert (actions.count("alert.retry"), actions.count("alert.sent")) == (1, 1)


@pytest.mark.both_databases
def test_a_webhooks_429_retry_after_in_seconds_holds_the_alert_that_long(runtime, clock, tmp_path, receiver):
    runtime.senders["webhook"] = WebhookSender(SECRET, clock, timeout=5)
    alert = breach_alert(runtime, clock, tmp_path, "webhook", webhook_url=f"{receiver.url}/hooks/cur")
    receiver.answer_next(429, {"error": "slow down"}, headers={"Retry-After": "600"})
    now = clock()

    assert deliver_pending(runtime).failed == 1

    held = AlertRecord.get_by_id(alert.id)
    assert held.next_attempt_at == now + timedelta(seconds=600)  # our own first backoff is 15-30 s
    assert "HTTP 429" in held.last_error
    sent_once_at(runtime, clock, alert.id, now + timedelta(seconds=600), lambda: len(receiver.received))


def test_a_webhooks_503_retry_after_as_an_http_date_holds_the_alert_until_then(runtime, clock, tmp_path, receiver):
    runtime.senders["webhook"] = WebhookSender(SECRET, clock, timeout=5)
    alert = breach_alert(runtime, clock, tmp_path, "webhook", webhook_url=f"{receiver.url}/hooks/cur")
    now = clock()
    until = now + timedelta(minutes=20)
    receiver.answer_next(503, {"error": "maintenance"}, headers={"Retry-After": format_datetime(until, usegmt=True)})

    assert deliver_pending(runtime).failed == 1

    assert AlertRecord.get_by_id(alert.id).next_attempt_at == until
    sent_once_at(runtime, clock, alert.id, until, lambda: len(receiver.received))


@pytest.mark.parametrize("header", ["soon", "0", "-5", "172800", "Wed, 30 Dec 2026 03:00:00 GMT"])
def test_a_retry_after_that_is_unreadable_past_or_beyond_a_day_leaves_our_own_backoff(runtime, clock, tmp_path,
                                                                                       receiver, header):
    runtime.senders["webhook"] = WebhookSender(SECRET, clock, timeout=5)
    alert = breach_alert(runtime, clock, tmp_path, "webhook", webhook_url=f"{receiver.url}/hooks/cur")
    receiver.answer_next(503, {"error": "maintenance"}, headers={"Retry-After": header})
    now = clock()

    assert deliver_pending(runtime).failed == 1

    held = AlertRecord.get_by_id(alert.id)
    assert now + timedelta(seconds=15) <= held.next_attempt_at <= now + timedelta(seconds=30)


class _FoldedWhileSending:
    """A webhook receiver out of reach (the edge of the world), during whose attempt the catch-up letter
    folds the alert in (outbox.fold_into, as the digest does)."""

    def send(self, alert):
        from engine.alerts.message import DeliveryError
        from engine.store import outbox
        from engine.store.db import write_transaction

        with write_transaction():
            outbox.fold_into([alert.alert_id], letter_id=999)
        raise DeliveryError("вебхук оповещений: нет ответа за отведённое время")


@pytest.mark.both_databases
def test_an_alert_folded_into_a_letter_while_it_was_being_sent_is_not_queued_again_by_the_failure(
        runtime, clock, tmp_path):
    runtime.senders["webhook"] = _FoldedWhileSending()
    alert = breach_alert(runtime, clock, tmp_path, "webhook", webhook_url="http://127.0.0.1:9/hooks/cur")

    deliver_pending(runtime)

    assert AlertRecord.get_by_id(alert.id).status == "digested"
    clock.set(clock() + timedelta(days=1))
    assert deliver_pending(runtime).sent + deliver_pending(runtime).failed == 0


class _Broken:
    """A sender with a fault of its own (not a refusal it foresaw)."""

    def __init__(self):
        self.calls = 0

    def send(self, alert):
        self.calls += 1
        raise KeyError("chat_id")


@pytest.mark.both_databases
def test_a_sender_that_fails_unforeseen_counts_an_attempt_and_the_alert_is_not_left_claimed(runtime, clock,
                                                                                             tmp_path):
    broken = runtime.senders["telegram"] = _Broken()
    alert = breach_alert(runtime, clock, tmp_path, "telegram", telegram_chat_id=555)

    report = deliver_pending(runtime)

    assert (report.sent, report.failed, report.dead, broken.calls) == (0, 1, 0, 1)
    held = AlertRecord.get_by_id(alert.id)
    assert (held.status, held.attempts) == ("pending", 1)
    assert held.next_attempt_at > clock() and "сбой при отправке (KeyError)" in held.last_error
