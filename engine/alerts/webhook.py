"""Outgoing webhook: the alert as JSON, signed like the webhooks we accept.

Headers: X-Appeals-Timestamp (unix seconds), X-Appeals-Signature (sha256=HMAC of
"<timestamp>.<body>" with the shared secret), X-Appeals-Idempotency-Key (the same on every
retry, so the receiver can drop a repeat).

Sent with engine.replies.posting.post, as the reply senders do: a redirect is not followed (following it
would hand the signed alert to another host) but refused for good, with the status and the ``Location`` in
the reason, since the receiver must be configured with its final address. Any other refusal, and no answer
at all, is tried again; its ``Retry-After`` (seconds or an HTTP date, as with a 429 or a 503) is honoured:
the alert is not sent again before then. Every reason is in Russian: it is what the administrator reads on
a dead letter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from engine.domain.signature import sign
from engine.replies.posting import Unreachable, post, retry_after

from .message import DeliveryError, OutgoingAlert

WHERE = "вебхук оповещений"  # how a reason starts


def alert_payload(alert: OutgoingAlert) -> dict:
    return {
        "type": "appeals.alert",
        "alert_id": alert.alert_id,
        "idempotency_key": alert.idempotency_key,
        "appeal_id": alert.appeal_id,
        "level": alert.level,
        "role": alert.role,
        "recipient": alert.recipient_name,
        "subject": alert.subject,
        "text": alert.body,
        "link": alert.link,
        "ack_url": alert.ack_link,
    }


class WebhookSender:
    def __init__(self, secret: str, clock: Callable[[], datetime], timeout: float = 10.0):
        self.secret = secret
        self.clock = clock
        self.timeout = timeout

    def send(self, alert: OutgoingAlert) -> str:
        body = json.dumps(alert_payload(alert), ensure_ascii=False, sort_keys=True).encode("utf-8")
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Appeals-Timestamp": str(timestamp),
            "X-Appeals-Signature": sign(self.secret, timestamp, body),
            "X-Appeals-Idempotency-Key": alert.idempotency_key,
        }
        try:
            answer = post(alert.address, body, headers, self.timeout, limit=500)
        except Unreachable as exc:
            raise DeliveryError(f"{WHERE}: {exc}") from None
        if 200 <= answer.status < 300:
            return f"HTTP {answer.status} {answer.body.decode('utf-8', 'replace')}".strip()
        raise classify(answer.status, answer.headers, answer.body, self.clock())


def classify(status: int, headers: dict, body: bytes, now: datetime) -> DeliveryError:
    """The DeliveryError a receiver's answer other than 2xx means: a redirect is permanent; anything else
    is tried again (after its ``Retry-After``), a refused signature included, since the receiver may yet
    be given the current secret."""
    said = body[:200].decode("utf-8", "replace").strip()
    where = f"{WHERE}: HTTP {status}"
    if 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), "")[:200]
        to = f" на {location}" if location else ""
        return DeliveryError(f"{where}, адрес перенаправляет запрос{to}; перенаправление не выполняется, "
                             "укажите в справочнике конечный адрес получателя", permanent=True)
    if status == 401:
        reason = "получатель не принял подпись"
    elif 400 <= status < 500:
        reason = "получатель отклонил уведомление"
    else:
        reason = "ошибка на стороне получателя"
    return DeliveryError(f"{where}, {reason} ({said})".replace(" ()", ""), retry_after=retry_after(headers, now))
