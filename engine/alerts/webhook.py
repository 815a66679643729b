"""Outgoing webhook: the alert as JSON, signed like the webhooks we accept.

Headers: X-Appeals-Timestamp (unix seconds), X-Appeals-Signature (sha256=HMAC of
"<timestamp>.<body>" with the shared secret), X-Appeals-Idempotency-Key (the same on every
retry, so the receiver can drop a repeat).

A refusal is tried again; its ``Retry-After`` (seconds or an HTTP date, as with a 429 or a 503) is
honoured: the alert is not sent again before then.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime

from engine.domain.signature import sign
from engine.replies.posting import retry_after

from .message import DeliveryError, OutgoingAlert


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
        request = urllib.request.Request(
            alert.address,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Appeals-Timestamp": str(timestamp),
                "X-Appeals-Signature": sign(self.secret, timestamp, body),
                "X-Appeals-Idempotency-Key": alert.idempotency_key,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, answer = response.status, response.read(500)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace")
            wait = retry_after(dict(exc.headers or {}), self.clock())
            exc.close()
            raise DeliveryError(f"webhook {alert.address}: HTTP {exc.code} {detail}", retry_after=wait) from None
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"webhook {alert.address}: {exc}") from exc
        return f"HTTP {status} {answer.decode('utf-8', 'replace')}".strip()
