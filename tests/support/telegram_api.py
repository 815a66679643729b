"""A local Telegram Bot API: ``POST <url>/bot<token>/<method>`` with JSON, a urlencoded form or a query
string, answered as the Bot API answers, errors included.

    with FakeTelegramBotApi("123456:AAE-token", known_chats={"555"}) as telegram:
        settings: APPEALS_TELEGRAM_API_URL = telegram.url
        telegram.received        # every message it accepted, as the Message object it answered
        telegram.requests        # every call it got, accepted or not: {"method", "token", "payload"}

Methods: ``sendMessage`` (``chat_id``, ``text`` up to 4096 characters, ``reply_parameters``
``{"message_id", "allow_sending_without_reply"}``) and ``getMe``. Answers: ``{"ok": true, "result":
{...}}`` or ``{"ok": false, "error_code", "description"[, "parameters": {"retry_after": N}]}`` with that
HTTP status.

What goes wrong, as Telegram says it:

- an unknown or revoked token (``revoke_token()``): 401 ``Unauthorized``;
- ``rate_limit(retry_after=5, times=1)``: 429 ``Too Many Requests: retry after 5`` with
  ``parameters.retry_after``; ``per_chat_interval=1.0`` answers that by itself to a second message to one
  chat within a second, as Telegram does;
- ``block(chat_id)``: 403 ``Forbidden: bot was blocked by the user``;
- ``known_chats``: any other chat is 400 ``Bad Request: chat not found``;
- ``delete_message(chat_id, message_id)``: replying to it is 400 ``Bad Request: message to be replied
  not found`` unless ``allow_sending_without_reply`` is true (then sent without the reply);
- ``script_error(code, description, retry_after=None, times=1)``: any error for the next calls;
- ``fail_next = N``: the next N calls answer ``fail_status`` (502, ``Bad Gateway``), a broken proxy.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque

from .http_server import LocalServer, Request

MAX_TEXT = 4096


def _error(code: int, description: str, retry_after: int | None = None) -> tuple[int, dict]:
    answer = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        answer["parameters"] = {"retry_after": retry_after}
    return code, answer


class FakeTelegramBotApi(LocalServer):
    def __init__(self, token: str, known_chats: set[str] | None = None, *, per_chat_interval: float | None = None):
        super().__init__()
        self.token = token
        self.known_chats = None if known_chats is None else {str(c) for c in known_chats}
        self.per_chat_interval = per_chat_interval
        self.received: list[dict] = []
        self.requests: list[dict] = []
        self.blocked: set[str] = set()
        self.deleted: set[tuple[str, int]] = set()
        self.token_revoked = False
        self.next_id = 1000
        self._scripted: deque[tuple[int, str, int | None]] = deque()
        self._last_to_chat: dict[str, float] = {}
        self._send_lock = threading.Lock()

    # -- scripting ---------------------------------------------------------------------------------

    def script_error(self, code: int, description: str, *, retry_after: int | None = None, times: int = 1) -> None:
        with self.lock:
            self._scripted.extend([(code, description, retry_after)] * times)

    def rate_limit(self, retry_after: int = 5, times: int = 1) -> None:
        self.script_error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after, times=times)

    def block(self, chat_id) -> None:
        self.blocked.add(str(chat_id))

    def revoke_token(self) -> None:
        self.token_revoked = True

    def delete_message(self, chat_id, message_id: int) -> None:
        self.deleted.add((str(chat_id), int(message_id)))

    # -- the protocol --------------------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1

    def handle(self, request: Request) -> tuple:
        parts = request.path.split("/")
        if request.method not in ("GET", "POST") or len(parts) != 3 or not parts[1].startswith("bot"):
            return _error(404, "Not Found")
        token, method = parts[1][3:], parts[2]
        payload = self._payload(request)
        with self.lock:
            self.requests.append({"method": method, "token": token, "payload": payload})
        if self.failing():
            return _error(self.fail_status, "Bad Gateway")
        if token != self.token or self.token_revoked:
            return _error(401, "Unauthorized")
        with self.lock:
            scripted = self._scripted.popleft() if self._scripted else None
        if scripted:
            return _error(*scripted)
        if method == "getMe":
            return 200, {"ok": True, "result": self._bot()}
        if method == "sendMessage":
            return self._send_message(payload)
        return _error(404, "Not Found")

    def _payload(self, request: Request) -> dict:
        if request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                value = request.json()
            except ValueError:
                return {}
            return value if isinstance(value, dict) else {}
        params = request.form()
        if "reply_parameters" in params:  # a form sends the object as a JSON string
            with contextlib.suppress(ValueError):
                params["reply_parameters"] = json.loads(params["reply_parameters"])
        return params

    def _send_message(self, payload: dict) -> tuple:
        chat = str(payload.get("chat_id") or "")
        text = payload.get("text")
        if not chat:
            return _error(400, "Bad Request: chat_id is empty")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        if self.known_chats is not None and chat not in self.known_chats:
            return _error(400, "Bad Request: chat not found")
        if chat in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        reply = payload.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            return _error(400, "Bad Request: can't parse reply parameters JSON object")
        reply_to = reply.get("message_id")
        if reply_to is not None and (chat, int(reply_to)) in self.deleted:
            if not reply.get("allow_sending_without_reply"):
                return _error(400, "Bad Request: message to be replied not found")
            reply_to = None
        with self._send_lock:
            now = time.monotonic()
            last = self._last_to_chat.get(chat)
            if self.per_chat_interval and last is not None and now - last < self.per_chat_interval:
                return _error(429, "Too Many Requests: retry after 1", retry_after=1)
            self._last_to_chat[chat] = now
            self.next_id += 1
            message = {"message_id": self.next_id, "from": self._bot(), "chat": self._chat(chat),
                       "date": int(time.time()), "text": text}
            if reply_to is not None:
                message["reply_to_message"] = {"message_id": int(reply_to), "chat": self._chat(chat),
                                               "date": int(time.time())}
            with self.lock:
                self.received.append(message)
        return 200, {"ok": True, "result": message}

    def _bot(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "ЦУР", "username": "cur_test_bot"}

    @staticmethod
    def _chat(chat: str) -> dict:
        number = chat.lstrip("-")
        if number.isdigit():
            return {"id": int(chat), "type": "private" if not chat.startswith("-") else "group"}
        return {"id": chat, "type": "channel"}
