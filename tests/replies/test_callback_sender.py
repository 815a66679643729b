"""A generic channel's reply callback, signed like our webhooks, against our own signature-checking receiver."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.alerts.message import DeliveryError
from engine.replies.callback import CallbackReplySender
from tests.support.http_receivers import WebhookReceiver
from tests.support.replies import outgoing_reply
from tests.support.smtp import free_port

SECRET = "generic-channel-secret"
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
PAYLOAD = {"body": {"id": "min-roads", "name": "Министерство транспорта Алтайского края"},
           "due": "2026-12-14T18:00:00+07:00"}


@pytest.fixture
def receiver():
    with WebhookReceiver(SECRET, lambda: NOW) as server:
        yield server


@pytest.fixture
def sender():
    return CallbackReplySender(lambda: NOW, timeout=5)


def reply(receiver, **overrides):
    return outgoing_reply("callback", {"url": f"{receiver.url}/appeals/replies"},
                          **{"secret": SECRET, "payload": PAYLOAD, **overrides})


def test_the_reply_is_posted_signed_with_the_appeal_kind_text_body_and_due_time(receiver, sender):
    receipt = sender.send(reply(receiver))

    [hook] = receiver.received  # the receiver checked X-Appeals-Timestamp and X-Appeals-Signature
    assert hook["path"] == "/appeals/replies"
    assert hook["headers"]["X-Appeals-Idempotency-Key"] == "appeal:17:acknowledgement:v1:callback"
    assert hook["headers"]["X-Appeals-Timestamp"] == str(int(NOW.timestamp()))
    assert hook["payload"] == {
        "type": "appeals.reply", "idempotency_key": "appeal:17:acknowledgement:v1:callback", "appeal_id": 17,
        "kind": "acknowledgement", "text": reply(receiver).text,
        "body": {"id": "min-roads", "name": "Министерство транспорта Алтайского края"},
        "due": "2026-12-14T18:00:00+07:00"}
    assert receipt.detail == "HTTP 200"


def test_a_receipt_keeps_the_id_the_receiver_gave(receiver, sender):
    receiver.answer_next(201, {"id": "cb-981"})

    assert sender.send(reply(receiver)).platform_id == "cb-981"


def test_a_receiver_that_refuses_our_signature_is_a_credentials_failure(receiver, sender):
    receiver.secret = "the-secret-they-think-we-have"

    with pytest.raises(DeliveryError) as error:
        sender.send(reply(receiver))

    assert error.value.credentials and receiver.rejected == 1
    assert SECRET not in str(error.value)


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_a_refusal_is_permanent(receiver, sender, status):
    receiver.answer_next(status, {"error": "no such appeal"})

    with pytest.raises(DeliveryError) as error:
        sender.send(reply(receiver))

    assert error.value.permanent and not error.value.credentials and f"HTTP {status}" in str(error.value)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_timeouts_rate_limits_and_server_errors_are_tried_again(receiver, sender, status):
    receiver.answer_next(status, {"error": "later"})

    with pytest.raises(DeliveryError) as error:
        sender.send(reply(receiver))

    assert not error.value.permanent
    assert sender.send(reply(receiver)).detail == "HTTP 200"


def test_retry_after_of_the_receiver_is_honoured(receiver, sender):
    receiver.answer_next(429, {"error": "slow down"}, headers={"Retry-After": "30"})

    with pytest.raises(DeliveryError) as error:
        sender.send(reply(receiver))

    assert error.value.retry_after == 30


def test_retry_after_as_an_http_date_is_counted_from_the_clock(receiver, sender):
    receiver.answer_next(503, {"error": "maintenance"}, headers={"Retry-After": "Mon, 30 Nov 2026 03:15:00 GMT"})

    with pytest.raises(DeliveryError) as error:
        sender.send(reply(receiver))

    assert error.value.retry_after == 15 * 60 and not error.value.permanent


def test_a_redirect_is_not_followed_and_is_permanent(receiver, sender):
    with WebhookReceiver(SECRET, lambda: NOW) as elsewhere:
        receiver.answer_next(302, "moved", headers={"Location": f"{elsewhere.url}/other"})

        with pytest.raises(DeliveryError) as error:
            sender.send(reply(receiver))

        assert elsewhere.received == []
    assert error.value.permanent and "перенаправляет" in str(error.value)


def test_a_channel_without_a_callback_url_or_secret_fails_before_any_request(receiver, sender):
    with pytest.raises(DeliveryError) as no_url:
        sender.send(outgoing_reply("callback", {}, secret=SECRET))
    with pytest.raises(DeliveryError) as not_http:
        sender.send(outgoing_reply("callback", {"url": "file:///etc/passwd"}, secret=SECRET))
    with pytest.raises(DeliveryError) as no_secret:
        sender.send(reply(receiver, secret=None))

    assert no_url.value.permanent and "--callback-url" in str(no_url.value)
    assert not_http.value.permanent
    assert no_secret.value.credentials
    assert receiver.received == [] and receiver.rejected == 0


def test_a_receiver_out_of_reach_is_tried_again(sender):
    with pytest.raises(DeliveryError) as error:
        sender.send(outgoing_reply("callback", {"url": f"http://127.0.0.1:{free_port()}/hook"}, secret=SECRET))

    assert not error.value.permanent
