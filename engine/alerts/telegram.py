"""Telegram: the Bot API method sendMessage, at a configurable base URL."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from .message import DeliveryError, OutgoingAlert

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # the Bot API's limit for one message


class TelegramSender:
    def __init__(self, api_url: str, token: str, timeout: float = 10.0):
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def send(self, alert: OutgoingAlert) -> str:
        text = f"{alert.subject}\n\n{alert.text()}"
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 1] + "…"
        payload = {"chat_id": alert.address, "text": text, "disable_web_page_preview": True}
        request = urllib.request.Request(
            f"{self.api_url}/bot{self.token}/sendMessage",
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            answer = _json(exc.read())
            exc.close()
            # 429 (too many requests) and server errors pass; other 4xx (chat not found,
            # bot blocked) will not pass by retrying
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise DeliveryError(f"telegram HTTP {exc.code}: {answer.get('description', '')}",
                                permanent=permanent) from None
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"telegram: {exc}") from exc
        if not answer.get("ok"):
            raise DeliveryError(f"telegram: {answer.get('description', 'not ok')}")
        message_id = (answer.get("result") or {}).get("message_id")
        return f"telegram message_id={message_id}"


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
