"""Telegram: the Bot API method sendMessage, at a configurable base URL."""

from __future__ import annotations

import json
import logging

from engine.replies.posting import Unreachable, post
from engine.replies.shortening import shorten
from engine.replies.telegram import classify

from .message import DeliveryError, OutgoingAlert

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # the Bot API's limit for one message


class TelegramSender:
    def __init__(self, api_url: str, token: str, timeout: float = 10.0):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def send(self, alert: OutgoingAlert) -> str:
        """One sendMessage; a refusal is read as for replies to residents (engine.replies.telegram.classify):
        the reason in Russian, 429 with its retry_after, a refused bot token as a credentials failure."""
        text = shorten(f"{alert.subject}\n\n{alert.text()}", MAX_MESSAGE)
        payload = {"chat_id": alert.address, "text": text, "disable_web_page_preview": True}
        try:
            answer = post(f"{self.api_url}/bot{self.token}/sendMessage",
                          json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                          {"Content-Type": "application/json"}, self.timeout)
        except Unreachable as exc:
            raise DeliveryError(f"Telegram sendMessage: {exc}") from None
        document = _json(answer.body)
        if answer.status != 200 or not document.get("ok"):
            raise classify("sendMessage", answer.status, document)
        message_id = (document.get("result") or {}).get("message_id")
        return f"telegram message_id={message_id}"


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
