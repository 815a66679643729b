"""Telegram: a reply in the resident's chat with the channel's bot, ``sendMessage`` of the Bot API at
``<APPEALS_TELEGRAM_API_URL>/bot<token>/sendMessage`` (JSON).

Address (``OutgoingReply.address``): ``chat_id`` and, when known, ``message_id`` of the resident's
message, sent as ``reply_parameters`` with ``allow_sending_without_reply`` (a deleted message does not
stop the answer). The Bot API answers ``{"ok": true, "result": {"message_id", …}}`` or ``{"ok": false,
"error_code", "description", "parameters": {"retry_after"}}``:

- 429: try again after ``retry_after`` seconds; 5xx, other statuses, no answer: try again later;
- 401 and 404 (the token is unknown or revoked): permanent with ``credentials``;
- 403 (the resident blocked the bot, deleted their account, never started the bot): permanent;
- 400 (chat not found, and any other refused request): permanent.

Pacing: about 30 messages per second per bot and one in 1.1 seconds per chat. The receipt's
``platform_id`` is the ``message_id``. Errors never contain the URL, which holds the token.
"""

from __future__ import annotations

import json
import logging

from engine.alerts.message import DeliveryError

from .message import OutgoingReply, Receipt
from .pacing import Pacer, key_for
from .posting import Unreachable, post
from .shortening import shorten

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
# Telegram allows about one message a second to one chat; the tenth leaves room for network jitter
CHAT_MESSAGES_PER_SECOND = 1 / 1.1
FORBIDDEN = {
    "blocked by the user": "пользователь заблокировал бота",
    "user is deactivated": "аккаунт пользователя удалён",
    "can't initiate conversation": "пользователь не начинал диалог с ботом",
    "kicked": "бот исключён из чата",
}


class TelegramReplySender:
    def __init__(self, api_url: str, pacer: Pacer, *, messages_per_second: float = 30,
                 chat_messages_per_second: float = CHAT_MESSAGES_PER_SECOND, timeout: float = 10.0):
        self.api_url = api_url.rstrip("/")
        self.pacer = pacer
        self.messages_per_second = messages_per_second
        self.chat_messages_per_second = chat_messages_per_second
        self.timeout = timeout

    def send(self, reply: OutgoingReply) -> Receipt:
        if not reply.token:
            raise DeliveryError(f"Telegram: у канала «{reply.channel}» нет токена бота "
                                f"(appeals channel set {reply.channel} --bot-token …)", credentials=True)
        chat_id = reply.address.get("chat_id")
        if chat_id is None or chat_id == "" or isinstance(chat_id, bool):
            raise DeliveryError("Telegram: в адресе ответа нет chat_id", permanent=True)
        payload = {"chat_id": chat_id, "text": shorten(reply.text, MESSAGE_LIMIT)}
        message_id = reply.address.get("message_id")
        if message_id is not None:
            payload["reply_parameters"] = {"message_id": message_id, "allow_sending_without_reply": True}
        self.pacer.pace([(key_for("telegram", reply.token), self.messages_per_second),
                         (key_for("telegram", reply.token, chat_id), self.chat_messages_per_second)],
                        "Сообщение в Telegram")
        result = self._call(reply.token, "sendMessage", payload)
        sent_id = result.get("message_id") if isinstance(result, dict) else None
        log.info("reply %s of appeal %s: Telegram accepted it as message %s", reply.reply_id, reply.appeal_id,
                 sent_id)
        return Receipt(platform_id=None if sent_id is None else str(sent_id), detail="Telegram sendMessage")

    def _call(self, token: str, method: str, payload: dict):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            answer = post(f"{self.api_url}/bot{token}/{method}", body,
                          {"Content-Type": "application/json; charset=utf-8"}, self.timeout)
        except Unreachable as exc:
            raise DeliveryError(f"Telegram {method}: {exc}") from None
        document = _json(answer.body)
        if answer.status == 200 and document.get("ok"):
            return document.get("result")
        raise classify(method, answer.status, document)


def classify(method: str, status: int, document: dict) -> DeliveryError:
    """The DeliveryError a Bot API refusal means."""
    code = document.get("error_code") if isinstance(document.get("error_code"), int) else status
    said = str(document.get("description") or "")[:200]
    where = f"Telegram {method}: "
    if code == 429:
        parameters = document.get("parameters") if isinstance(document.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        seconds = retry_after if isinstance(retry_after, int | float) and retry_after > 0 else 5
        return DeliveryError(f"{where}слишком много сообщений, повтор через {seconds:g} с ({said})",
                             retry_after=seconds)
    if code in (401, 404):
        return DeliveryError(f"{where}токен бота недействителен или отозван ({code} {said})", credentials=True)
    if code == 403:
        reason = next((text for marker, text in FORBIDDEN.items() if marker in said), "бот не может писать в этот чат")
        return DeliveryError(f"{where}{reason} ({code} {said})", permanent=True)
    if code == 400:
        reason = "чат не найден" if "chat not found" in said else "Telegram не принял сообщение"
        return DeliveryError(f"{where}{reason} ({code} {said})", permanent=True)
    return DeliveryError(f"{where}HTTP {status} {said}".rstrip())


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
