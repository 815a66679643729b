"""Hostile requests over real HTTP to the service as it runs (`appeals serve`, gunicorn): raw bytes in
paths, oversized and chunked bodies, a 400-digit timestamp, nesting thousands deep, ids beyond 64 bits,
bad headers, a chunked body past the limit (which werkzeug alone would cut short and pass on as if whole).
Every answer is below 500, none redirects to another site, and the log shows no unhandled
error."""

from __future__ import annotations

import contextlib
import os
import socket
from urllib.parse import urlsplit

import pytest

from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, running_service

pytestmark = pytest.mark.slow

SECRET = "http-hostile-secret"


def raw_request(url: str, head: bytes, body: bytes = b"", chunks: list[bytes] | None = None) -> tuple[int, bytes]:
    """Send bytes as they are (no client library tidies them) and read the status line and the answer."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=20) as conn:
        conn.sendall(head + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
        if chunks is not None:
            conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
            try:
                for chunk in chunks:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                conn.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):  # refused before the end: the status says why
                pass
        else:
            conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused before the end
                conn.sendall(body)
        answer = b""
        try:
            while data := conn.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer


def test_hostile_requests_to_the_running_service_get_4xx_never_5xx(database_url, tmp_path):
    env = {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
           "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_LOG_LEVEL": "INFO"}
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "portal", "--kind", "generic", "--secret", SECRET)
    appeals_cli(env, "channel", "add", "gov-vk", "--kind", "vk", "--secret", SECRET)
    token = appeals_cli(env, "token", "create", "--role", "admin").stdout.strip().splitlines()[-1]
    json_head = b"Content-Type: application/json"
    requests = {
        "raw bytes in a path": (b"GET /api/v1/appeals/%ff%fe HTTP/1.1", b""),
        "invalid UTF-8 in a query": (b"GET /api/v1/appeals?q=%ff%c0%ed%a0%80 HTTP/1.1\r\nAuthorization: Bearer "
                                     + token.encode(), b""),
        "a NUL in a path": (b"GET /appeals/%00 HTTP/1.1", b""),
        "an id beyond 64 bits": (b"GET /api/v1/appeals/" + b"9" * 400 + b" HTTP/1.1\r\nAuthorization: Bearer "
                                 + token.encode(), b""),
        "a 400-digit timestamp": (b"POST /webhooks/generic/portal HTTP/1.1\r\n" + json_head
                                  + b"\r\nX-Appeals-Timestamp: " + b"9" * 400 + b"\r\nX-Appeals-Signature: sha256=0",
                                  b"{}"),
        "nesting 10,000 deep": (b"POST /webhooks/vk/gov-vk HTTP/1.1\r\n" + json_head,
                                b'{"secret": "' + SECRET.encode() + b'", "a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
        "a body over the limit": (b"POST /webhooks/vk/gov-vk HTTP/1.1\r\n" + json_head, b"[" * 3_000_000),
        "a non-Latin header": (b"GET /healthz HTTP/1.1\r\nX-Name: \xd0\xaf\xd0\xbc\xd0\xb0", b""),
        "a bearer of raw bytes": (b"GET /api/v1/appeals HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\x00", b""),
        "the open redirect": (b"GET /login?next=%2F%09%2Fevil.example%2Fx HTTP/1.1", b""),
        "a method the route has not": (b"DELETE /webhooks/generic/portal HTTP/1.1", b""),
        "Open311 nested attributes": (b"POST /open311/v2/requests.json HTTP/1.1\r\n"
                                      b"Content-Type: application/x-www-form-urlencoded",
                                      b"api_key=x&service_code=roads&attribute[a][b]=1&description=%ff"),
    }
    with running_service(env, "serve", tmp_path) as service:
        answers = {name: raw_request(service.url, head, body) for name, (head, body) in requests.items()}
        answers["a chunked body over the limit"] = raw_request(
            service.url, b"POST /webhooks/vk/gov-vk HTTP/1.1\r\n" + json_head, chunks=[b"[" * 65536] * 40)
        log = service.log()

    wrong = {name: (status, answer[:200]) for name, (status, answer) in answers.items() if not 200 <= status < 500}
    assert wrong == {}
    assert b"evil.example" not in answers["the open redirect"][1].split(b"\r\n\r\n")[0]  # no Location to it
    assert answers["a body over the limit"][0] == answers["a chunked body over the limit"][0] == 413
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]
