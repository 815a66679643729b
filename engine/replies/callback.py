"""A generic channel's callback: the reply as JSON, POSTed to the channel's ``--callback-url`` and signed
like the webhooks we accept (and our alert webhooks):

- ``X-Appeals-Timestamp``: unix seconds (the runtime's clock);
- ``X-Appeals-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"`` with the channel's
  secret;
- ``X-Appeals-Idempotency-Key``: the same on every attempt, so the receiver can drop a repeat.

The body::

    {"type": "appeals.reply", "idempotency_key": "…", "appeal_id": 17, "kind": "acknowledgement",
     "text": "Ваше обращение №17 передано…", "body": {"id": "min-roads", "name": "Министерство…"},
     "due": "2026-12-14T18:00:00+07:00", …}

``body`` and ``due`` (ISO 8601 with the body's offset) come from ``OutgoingReply.payload``, with anything
else it carries; both are null when unknown. Address: ``url``. Answers: 2xx sent (the receipt's
``platform_id`` is the ``id`` of a JSON answer, if it gives one); 401 the receiver refuses our signature
(``credentials``); 408, 429 and 5xx tried again (``Retry-After`` honoured, in seconds or as an HTTP date);
any other 4xx, or a redirect, permanent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from engine.alerts.message import DeliveryError
from engine.domain.signature import sign

from .message import OutgoingReply, Receipt
from .posting import Unreachable, post, retry_after

log = logging.getLogger(__name__)


def callback_document(reply: OutgoingReply) -> dict:
    return {**reply.payload, "type": "appeals.reply", "idempotency_key": reply.idempotency_key,
            "appeal_id": reply.appeal_id, "kind": reply.kind, "text": reply.text,
            "body": reply.payload.get("body"), "due": reply.payload.get("due")}


class CallbackReplySender:
    def __init__(self, clock: Callable[[], datetime], timeout: float = 10.0):
        self.clock = clock
        self.timeout = timeout

    def send(self, reply: OutgoingReply) -> Receipt:
        url = reply.address.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise DeliveryError(f"обратный вызов: у канала «{reply.channel}» нет адреса http(s) "
                                f"(appeals channel set {reply.channel} --callback-url …)", permanent=True)
        if not reply.secret:
            raise DeliveryError(f"обратный вызов: у канала «{reply.channel}» нет секрета для подписи",
                                credentials=True)
        body = json.dumps(callback_document(reply), ensure_ascii=False, sort_keys=True).encode("utf-8")
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Appeals-Timestamp": str(timestamp),
            "X-Appeals-Signature": sign(reply.secret, timestamp, body),
            "X-Appeals-Idempotency-Key": reply.idempotency_key,
        }
        try:
            answer = post(url, body, headers, self.timeout)
        except Unreachable as exc:
            raise DeliveryError(f"обратный вызов: {exc}") from None
        if 200 <= answer.status < 300:
            log.info("reply %s of appeal %s: callback answered HTTP %s", reply.reply_id, reply.appeal_id,
                     answer.status)
            return Receipt(platform_id=_answer_id(answer.body), detail=f"HTTP {answer.status}")
        raise classify(answer.status, answer.headers, answer.body, self.clock())


def classify(status: int, headers: dict, body: bytes, now: datetime) -> DeliveryError:
    said = body[:200].decode("utf-8", "replace").strip()
    where = f"обратный вызов: HTTP {status}"
    if status == 401:
        return DeliveryError(f"{where}, получатель не принял подпись ({said})", credentials=True)
    if 300 <= status < 400:
        return DeliveryError(f"{where}, адрес перенаправляет запрос; укажите конечный адрес", permanent=True)
    if 400 <= status < 500 and status not in (408, 429):
        return DeliveryError(f"{where}, получатель отклонил ответ ({said})", permanent=True)
    return DeliveryError(f"{where} ({said})".replace(" ()", ""), retry_after=retry_after(headers, now))


def _answer_id(body: bytes) -> str | None:
    try:
        document = json.loads(body or b"null")
    except ValueError:
        return None
    value = document.get("id") if isinstance(document, dict) else None
    return None if value is None or isinstance(value, dict | list) else str(value)[:200]
