"""A signed alert webhook against a real local receiver: a redirect is not followed (the signed alert would
reach another host) but refused for good, naming the status and the ``Location``; a 500 and a refused
connection are tried again. Every reason is in Russian, as the administrator reads it on the dead letter."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.alerts.webhook import WebhookSender
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord
from tests.support.appeals import pit_appeal
from tests.support.http_receivers import WebhookReceiver
from tests.support.http_server import LocalServer
from tests.support.moments import at
from tests.support.rules_copy import edited_policy, official
from tests.support.smtp import free_port

SECRET = "alert-webhook-secret"


class Elsewhere(LocalServer):
    """Another host: it answers everything with 200 and keeps what reached it."""

    def __init__(self):
        super().__init__()
        self.requests = []

    def handle(self, request):
        with self.lock:
            self.requests.append(request)
        return 200, {"ok": True}


@pytest.fixture
def receiver(clock):
    with WebhookReceiver(SECRET, clock) as server:
        yield server


@pytest.fixture
def elsewhere():
    with Elsewhere() as server:
        yield server


def webhook_alert(runtime, clock, tmp_path, url: str) -> AlertRecord:
    """Gromov reads only the webhook at ``url``; the pit appeal's breach alert to him is due now."""
    runtime.settings = replace(runtime.settings, catchup_minutes=60 * 24 * 365)

    def channels(doc):
        official(doc, "gromov-ka").update(channels=["webhook"], webhook_url=url)
    runtime.policy_set = edited_policy(tmp_path, directory=channels)
    runtime.senders["webhook"] = WebhookSender(SECRET, clock, timeout=5)
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)
    return AlertRecord.get((AlertRecord.channel == "webhook") & (AlertRecord.recipient == "gromov-ka"))


@pytest.mark.both_databases
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_the_alert_is_dead_with_the_location_in_russian(
        runtime, clock, tmp_path, receiver, elsewhere, status):
    alert = webhook_alert(runtime, clock, tmp_path, f"{receiver.url}/hooks/cur")
    location = f"{elsewhere.url}/hooks/moved"
    receiver.answer_next(status, {"moved": True}, headers={"Location": location})

    report = deliver_pending(runtime)

    assert report.dead == 1  # (the administrator's notices are drained in the same pass)
    assert receiver.received == []
    assert elsewhere.requests == []  # neither the alert nor its signature went to the other host
    dead = AlertRecord.get_by_id(alert.id)
    assert dead.status == "dead" and dead.attempts == 1
    assert dead.last_error == (
        f"вебхук оповещений: HTTP {status}, адрес перенаправляет запрос на {location}; перенаправление не "
        "выполняется, укажите в справочнике конечный адрес получателя")
    [notice] = AlertRecord.select().where((AlertRecord.level == "dead-letter") & (AlertRecord.channel == "email"))
    assert f"Последняя ошибка: вебхук оповещений: HTTP {status}, адрес перенаправляет запрос на {location}" \
        in notice.body


def test_a_500_is_tried_again_with_the_reason_in_russian_and_then_delivered(runtime, clock, tmp_path, receiver):
    alert = webhook_alert(runtime, clock, tmp_path, f"{receiver.url}/hooks/cur")
    receiver.answer_next(500, "Internal Server Error")
    now = clock()

    report = deliver_pending(runtime)

    assert (report.sent, report.failed, report.dead) == (0, 1, 0)
    assert receiver.received == []
    held = AlertRecord.get_by_id(alert.id)
    assert (held.status, held.attempts) == ("pending", 1)
    assert now + timedelta(seconds=15) <= held.next_attempt_at <= now + timedelta(seconds=30)
    assert held.last_error == "вебхук оповещений: HTTP 500, ошибка на стороне получателя (Internal Server Error)"
    clock.set(held.next_attempt_at)
    assert deliver_pending(runtime).sent == 1
    assert len(receiver.received) == 1


def test_a_refused_connection_is_tried_again_and_after_the_last_attempt_told_in_russian(runtime, clock, tmp_path):
    alert = webhook_alert(runtime, clock, tmp_path, f"http://127.0.0.1:{free_port()}/hooks/cur")

    assert deliver_pending(runtime).failed == 1
    held = AlertRecord.get_by_id(alert.id)
    assert (held.status, held.last_error) == ("pending", "вебхук оповещений: соединение отклонено")
    for _ in range(runtime.settings.delivery_max_attempts - 1):
        clock.set(clock() + timedelta(hours=7))
        deliver_pending(runtime)

    dead = AlertRecord.get_by_id(alert.id)
    assert (dead.status, dead.attempts) == ("dead", runtime.settings.delivery_max_attempts)
    [notice] = AlertRecord.select().where((AlertRecord.level == "dead-letter") & (AlertRecord.channel == "email"))
    assert "Последняя ошибка: вебхук оповещений: соединение отклонено" in notice.body


def test_an_alert_on_a_channel_the_server_does_not_send_by_says_so_in_russian(runtime, clock, tmp_path, receiver):
    alert = webhook_alert(runtime, clock, tmp_path, f"{receiver.url}/hooks/cur")
    runtime.senders.pop("webhook")

    assert deliver_pending(runtime).failed == 1

    assert AlertRecord.get_by_id(alert.id).last_error == "отправка по каналу «вебхук» не настроена на сервере"
