"""Local HTTP servers that receive what our alert and reply channels send.

`WebhookReceiver` checks our signature headers (X-Appeals-Timestamp, X-Appeals-Signature) and keeps
every delivery it accepted in ``received`` (``{"path", "headers", "payload"}``); a wrong signature is
401 and counted in ``rejected``. ``fail_next = N`` answers ``fail_status`` N times;
``answer_next(status, body, headers=…, times=1)`` scripts any answer (a 400, a 429 with Retry-After…).
It is the receiver of alert webhooks and of a generic channel's reply callbacks.

`TelegramBotApi` is the local Telegram Bot API of tests/support/telegram_api.py.
"""

from __future__ import annotations

import json
from collections import deque

from engine.domain.signature import SignatureError, verify

from .http_server import LocalServer, Request
from .telegram_api import FakeTelegramBotApi as TelegramBotApi

__all__ = ["TelegramBotApi", "WebhookReceiver"]


class WebhookReceiver(LocalServer):
    def __init__(self, secret: str, clock, tolerance: int = 300):
        super().__init__()
        self.secret = secret
        self.clock = clock  # the time the receiver believes it is (the tests' clock)
        self.tolerance = tolerance
        self.rejected = 0
        self.received: list[dict] = []
        self._scripted: deque[tuple] = deque()

    def answer_next(self, status: int, body, *, headers: dict | None = None, times: int = 1) -> None:
        with self.lock:
            self._scripted.extend([(status, body, headers or {})] * times)

    def handle(self, request: Request) -> tuple:
        if self.failing():
            return self.fail_status, {"error": "unavailable"}
        with self.lock:
            scripted = self._scripted.popleft() if self._scripted else None
        if scripted:
            return scripted
        try:
            verify([self.secret], request.headers.get("X-Appeals-Timestamp"),
                   request.headers.get("X-Appeals-Signature"), request.body,
                   now=self.clock().timestamp(), tolerance=self.tolerance)
        except SignatureError as exc:
            with self.lock:
                self.rejected += 1
            return 401, {"error": str(exc)}
        with self.lock:
            self.received.append({"path": request.path, "headers": request.headers,
                                  "payload": json.loads(request.body)})
            number = len(self.received)
        return 200, {"received": number}
