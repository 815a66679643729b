"""Telegram and signed webhooks against local servers that speak those protocols; receipts and dead letters."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.alerts.email import SmtpSender
from engine.alerts.telegram import TelegramSender
from engine.alerts.webhook import WebhookSender
from engine.bootstrap import default_senders
from engine.config import Settings
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store import outbox
from engine.store.models import AlertRecord
from tests.support.appeals import pit_appeal
from tests.support.http_receivers import TelegramBotApi, WebhookReceiver
from tests.support.moments import at
from tests.support.rules_copy import edited_policy, official
from tests.support.smtp import free_port

TOKEN = "123456:TEST-token"
SECRET = "alert-webhook-secret"


@pytest.fixture
def telegram():
    server = TelegramBotApi(TOKEN, known_chats={"555", "100200399"}).start()
    yield server
    server.stop()


@pytest.fixture
def receiver(clock):
    server = WebhookReceiver(SECRET, clock).start()
    yield server
    server.stop()


@pytest.fixture
def breach_for_gromov(runtime, clock, tmp_path, telegram, receiver):
    """Gromov reads Telegram and a webhook; the pit appeal's breach alert is written for him. (The channels are
    under test here, so the sweep writes each alert on its own even after the jump of a week: catch-up letters
    are tested in tests/escalation/test_catch_up_letters.py.)"""
    runtime.settings = replace(runtime.settings, catchup_minutes=60 * 24 * 365)
    def channels(doc):
        official(doc, "gromov-ka").update(telegram_chat_id=555, webhook_url=f"{receiver.url}/hooks/cur",
                                          channels=["telegram", "webhook"])
    runtime.policy_set = edited_policy(tmp_path, directory=channels)
    runtime.senders["telegram"] = TelegramSender(telegram.url, TOKEN, timeout=5)
    runtime.senders["webhook"] = WebhookSender(SECRET, clock, timeout=5)
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)
    return received.appeal_id


def test_a_telegram_alert_is_sent_with_send_message_and_its_message_id_kept(runtime, breach_for_gromov, telegram,
                                                                              receiver):
    assert deliver_pending(runtime).sent == 2
    assert deliver_pending(runtime).sent == 0

    [message] = telegram.received
    assert message["chat"]["id"] == 555
    assert "Срок нарушен: обращение №" in message["text"]
    assert f"http://appeals.test/appeals/{breach_for_gromov}" in message["text"]  # the staff page
    alert = AlertRecord.get(AlertRecord.channel == "telegram")
    assert alert.status == "sent"
    assert alert.receipt == f"telegram message_id={message['message_id']}"


def test_a_webhook_alert_is_signed_like_our_inbound_webhooks(runtime, breach_for_gromov, receiver):
    deliver_pending(runtime)

    [hook] = receiver.received
    assert receiver.rejected == 0
    assert hook["path"] == "/hooks/cur"
    payload = hook["payload"]
    alert = AlertRecord.get(AlertRecord.channel == "webhook")
    assert payload["type"] == "appeals.alert"
    assert (payload["alert_id"], payload["appeal_id"], payload["level"]) == (alert.id, breach_for_gromov, "breach")
    assert payload["ack_url"] == f"http://appeals.test/api/v1/alerts/{alert.id}/ack"
    assert hook["headers"]["X-Appeals-Idempotency-Key"] == alert.idempotency_key
    assert alert.receipt == "HTTP 200 {\"received\": 1}"


def test_a_receiver_with_another_secret_refuses_and_the_alert_is_retried(runtime, clock, breach_for_gromov, receiver):
    receiver.secret = "rotated"
    report = deliver_pending(runtime)

    assert (report.sent, report.failed) == (1, 1)
    alert = AlertRecord.get(AlertRecord.channel == "webhook")
    assert alert.status == "pending" and "HTTP 401" in alert.last_error
    receiver.secret = SECRET
    clock.set(clock() + timedelta(minutes=1))
    assert deliver_pending(runtime).sent == 1


def test_telegram_outage_is_retried_with_backoff_and_nothing_is_lost(runtime, clock, breach_for_gromov, telegram):
    telegram.fail_next = 3
    for _ in range(3):
        deliver_pending(runtime)
        clock.set(clock() + timedelta(hours=1))
    assert telegram.received == []
    assert deliver_pending(runtime).sent == 1
    assert len(telegram.received) == 1
    assert AlertRecord.get(AlertRecord.channel == "telegram").attempts == 4


def test_an_unknown_chat_is_refused_for_good_and_the_administrator_is_told(runtime, clock, tmp_path, telegram):
    def gromov_wrong_chat(doc):
        official(doc, "gromov-ka").update(telegram_chat_id=999, channels=["telegram"])
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_wrong_chat)
    runtime.senders["telegram"] = TelegramSender(telegram.url, TOKEN, timeout=5)
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)

    first = deliver_pending(runtime)

    assert first.dead == 1
    dead = AlertRecord.get(AlertRecord.status == "dead")
    assert "chat not found" in dead.last_error
    notices = list(AlertRecord.select().where(AlertRecord.level == "dead-letter").order_by(AlertRecord.channel))
    assert [(n.recipient, n.channel, n.address) for n in notices] == [
        ("zhukov-av", "email", "zhukov@alregn.example.ru"), ("zhukov-av", "telegram", "100200399")]
    assert (f"Уведомление №{dead.id} (Срок нарушен) для Громов Константин Андреевич по каналу «Telegram» (999) "
            "не доставлено") in notices[0].body
    deliver_pending(runtime)
    assert [m["chat"]["id"] for m in telegram.received] == [100200399]


def test_an_alert_failing_every_attempt_is_dead_lettered_once_and_the_notice_never_loops(runtime, clock,
                                                                                          breach_for_gromov):
    runtime.senders["email"] = SmtpSender(f"smtp://127.0.0.1:{free_port()}", "cur@example.ru", timeout=1)
    runtime.senders.pop("telegram")
    runtime.senders.pop("webhook")
    for _ in range(2 * runtime.settings.delivery_max_attempts + 1):
        deliver_pending(runtime)
        clock.set(clock() + timedelta(hours=7))

    statuses = sorted((a.level, a.channel, a.status) for a in AlertRecord.select())
    assert statuses == [
        ("breach", "telegram", "dead"), ("breach", "webhook", "dead"),
        ("dead-letter", "email", "dead"), ("dead-letter", "email", "dead"),
        ("dead-letter", "telegram", "dead"), ("dead-letter", "telegram", "dead"),
        ("three-quarters", "email", "superseded"),
    ]


@pytest.mark.both_databases
def test_two_deliverers_never_send_the_same_alert(runtime, clock, breach_for_gromov, telegram):
    alert = AlertRecord.get(AlertRecord.channel == "telegram")
    now = clock()

    assert outbox.claim([alert.id], now, now + timedelta(minutes=5)) == {alert.id}
    assert outbox.claim([alert.id], now, now + timedelta(minutes=5)) == set()
    assert deliver_pending(runtime).sent == 1  # the webhook one; the claimed one waits
    clock.set(now + timedelta(minutes=5))  # its deliverer died: the claim lapses
    assert deliver_pending(runtime).sent == 1
    assert len(telegram.received) == 1


def test_the_senders_follow_the_configuration():
    base = {"telegram_bot_token": "", "alert_webhook_secret": ""}
    assert set(default_senders(Settings.from_env({}, **base))) == {"email"}
    configured = default_senders(Settings.from_env({
        "APPEALS_TELEGRAM_BOT_TOKEN": "t", "APPEALS_ALERT_WEBHOOK_SECRET": "s",
        "APPEALS_TELEGRAM_API_URL": "http://127.0.0.1:9/"}))
    assert set(configured) == {"email", "telegram", "webhook"}
    assert configured["telegram"].api_url == "http://127.0.0.1:9"
