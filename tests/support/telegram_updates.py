"""Telegram Bot API updates as a bot's webhook receives them, and posting them to our webhook."""

from __future__ import annotations

import json

SECRET = "tg-secret_for-tests"


def message(text="Третий день нет горячей воды в Рубцовске, дом по ул. Ленина 10", message_id=501, **extra):
    """Olga's message in her private chat with the bot."""
    return {
        "message_id": message_id,
        "from": {"id": 777_001, "is_bot": False, "first_name": "Ольга", "last_name": "Петрова",
                 "username": "olga_p", "language_code": "ru"},
        "chat": {"id": 777_001, "first_name": "Ольга", "type": "private"},
        "date": 1_764_471_000,
        "text": text,
        **extra,
    }


def post(client, payload, *, secret=SECRET, channel="cur-bot"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return client.post(f"/webhooks/telegram/{channel}", data=body, headers=headers)
