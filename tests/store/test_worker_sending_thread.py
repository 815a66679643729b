"""The worker sends on a thread of its own: a mail server that accepts a connection and never answers holds
up the residents' letters, not routing. The appeal that came while a letter hung is routed within seconds."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from engine.alerts.email import SmtpSender
from engine.domain.appeal import Author, IncomingAppeal
from engine.replies.email import EmailReplySender
from engine.scheduler import run_forever
from engine.services.intake import receive_appeal
from engine.store.db import connection
from engine.store.models import AppealRecord, AuthorMessageRecord

pytestmark = pytest.mark.both_databases


class SilentMailServer:
    """Accepts SMTP connections and says nothing (no greeting): a mail server that hangs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.lock, self.closed = threading.Lock(), False
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.closed:
                    conn.close()
                    return
                self.connections.append(conn)

    def close(self):
        """Connections are closed (a send waiting for the greeting fails at once); new ones are refused."""
        with self.lock:
            self.closed = True
            for conn in self.connections:
                conn.close()
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()
        self.accepting.join(timeout=5)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection():
            if condition():
                return True
        time.sleep(0.05)
    return False


def appeal(runtime, n: int) -> int:
    incoming = IncomingAppeal(channel="portal", external_id=f"hung-{n}", text="На ул. Попова огромные ямы",
                              received_at=runtime.now(), author=Author(name="Анна", contact=f"anna{n}@example.ru"),
                              municipality="barnaul", category="roads", fz59=True, regime="fz59")
    return receive_appeal(runtime, incoming, "{}", actor="test").appeal_id  # stored only: the worker routes it


def test_a_hung_mail_server_does_not_hold_up_routing(runtime):
    server = SilentMailServer()
    runtime.reply_senders["email"] = EmailReplySender(
        SmtpSender(f"smtp://127.0.0.1:{server.port}", "cur@example.ru", timeout=30), "cur@example.ru", runtime.now)
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(runtime, stop), kwargs={"tick": 0.05}, daemon=True)
    first = appeal(runtime, 1)
    worker.start()
    try:
        assert wait_until(lambda: AppealRecord.get_by_id(first).status == "routed", 10)
        assert wait_until(lambda: server.connections, 10), "the worker never tried to send the acknowledgement"
        hung_at = time.monotonic()
        second = appeal(runtime, 2)  # comes while the first letter waits for the mail server

        assert wait_until(lambda: AppealRecord.get_by_id(second).status == "routed", 10)
        assert time.monotonic() - hung_at < 10 < 30  # routed well before the letter's send could time out
        with connection():
            acknowledgements = AuthorMessageRecord.select().where(AuthorMessageRecord.kind == "acknowledgement")
            assert sorted(m.status for m in acknowledgements) == ["pending", "pending"]  # nothing sent, nothing lost
    finally:
        stop.set()
        server.close()  # the hung send fails at once and is left for a retry
        worker.join(timeout=60)
    assert not worker.is_alive()
