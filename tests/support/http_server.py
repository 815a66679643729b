"""The plumbing of our local stand-ins for the outside world: an HTTP server on a free port of
127.0.0.1, in a thread, that hands each request to the subclass's ``handle`` and keeps nothing else.

    with SomeFake(...) as fake:      # or fake = SomeFake(...).start(); ...; fake.stop()
        fake.url                     # http://127.0.0.1:<port>

``handle(request)`` returns ``(status, body)`` or ``(status, body, headers)``: a dict or list body is
sent as JSON, a str as text. ``fail_next = N`` makes the next N requests answer ``fail_status``
(502 by default) before ``handle`` sees them, for the fakes that use ``failing()``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    method: str  # GET, POST
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """Parameters as a form-speaking API reads them: the query string, then a urlencoded body."""
        params = dict(self.query)
        content_type = self.headers.get("Content-Type", "")
        if self.body and content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return params


class LocalServer:
    def __init__(self):
        self.fail_next = 0
        self.fail_status = 502
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method: str):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                request = Request(method, url.path, dict(parse_qsl(url.query, keep_blank_values=True)),
                                  dict(self.headers), body)
                status, answer, *extra = owner.handle(request)
                headers = extra[0] if extra else {}
                if isinstance(answer, str):
                    raw, content_type = answer.encode("utf-8"), "text/plain; charset=utf-8"
                else:
                    raw, content_type = json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def handle(self, request: Request) -> tuple:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def failing(self) -> bool:
        """True (and one fewer to go) while ``fail_next`` requests are still to fail."""
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
        return False
