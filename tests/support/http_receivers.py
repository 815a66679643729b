"""Local HTTP servers that speak the protocols our alert channels use.

`TelegramBotApi` answers `POST /bot<token>/sendMessage` like the Bot API does (JSON
`{"ok": true, "result": {message_id, chat, date, text}}`, errors as `{"ok": false,
"error_code", "description"}`). `WebhookReceiver` checks our signature headers and keeps every
delivery. Both can be told to fail the next N requests.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from engine.domain.signature import SignatureError, verify


class _Server:
    def __init__(self):
        self.received: list[dict] = []
        self.fail_next = 0
        self.fail_status = 502
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = owner.handle(self.path, dict(self.headers), body)
                raw = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _failing(self) -> bool:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
        return False


class TelegramBotApi(_Server):
    def __init__(self, token: str, known_chats: set[str] | None = None):
        super().__init__()
        self.token = token
        self.known_chats = known_chats
        self.next_id = 1000

    def handle(self, path: str, headers: dict, body: bytes):
        if path != f"/bot{self.token}/sendMessage":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if self._failing():
            return self.fail_status, {"ok": False, "error_code": self.fail_status, "description": "Bad Gateway"}
        payload = json.loads(body)
        chat = str(payload.get("chat_id"))
        if not payload.get("text"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if self.known_chats is not None and chat not in self.known_chats:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        with self.lock:
            self.next_id += 1
            message = {"message_id": self.next_id, "chat": {"id": int(chat), "type": "private"},
                       "date": int(time.time()), "text": payload["text"]}
            self.received.append(message)
        return 200, {"ok": True, "result": message}


class WebhookReceiver(_Server):
    def __init__(self, secret: str, clock, tolerance: int = 300):
        super().__init__()
        self.secret = secret
        self.clock = clock  # the time the receiver believes it is (the tests' clock)
        self.tolerance = tolerance
        self.rejected = 0

    def handle(self, path: str, headers: dict, body: bytes):
        if self._failing():
            return self.fail_status, {"error": "unavailable"}
        try:
            verify([self.secret], headers.get("X-Appeals-Timestamp"), headers.get("X-Appeals-Signature"), body,
                   now=self.clock().timestamp(), tolerance=self.tolerance)
        except SignatureError as exc:
            with self.lock:
                self.rejected += 1
            return 401, {"error": str(exc)}
        with self.lock:
            self.received.append({"path": path, "headers": headers, "payload": json.loads(body)})
            number = len(self.received)
        return 200, {"received": number}
