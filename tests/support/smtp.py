"""A real SMTP server (aiosmtpd) on a free local port, collecting what it receives."""

from __future__ import annotations

import email
import socket
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    def __init__(self):
        self.messages: list[Message] = []
        self.encrypted: list[bool] = []  # per message: did it arrive over TLS
        self.refused: set[str] = set()  # recipients answered 550, as a server without that mailbox does
        self.peers: list[tuple] = []  # per message: the client's address and port (one per connection)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        self.peers.append(session.peer)
        return "250 OK"


class Accounts:
    """aiosmtpd's authenticator: the logins it accepts, and every attempt it saw (login, over TLS)."""

    def __init__(self, accounts: dict[str, str]):
        self.accounts = accounts
        self.attempts: list[tuple[str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        self.attempts.append((login, server.transport.get_extra_info("ssl_object") is not None))
        return AuthResult(success=self.accounts.get(login) == auth_data.password.decode())


class SmtpServer:
    """``tls``: None (clear text), "starttls" (STARTTLS offered and required before AUTH and MAIL) or
    "smtps" (TLS from the first byte), with ``context`` the server's certificate; ``accounts``: the
    logins AUTH accepts (AUTH is offered only over TLS)."""

    def __init__(self, port: int | None = None, *, tls: str | None = None, context=None,
                 accounts: dict[str, str] | None = None):
        self.port = port or free_port()
        self.collector = Collector()
        self.accounts = Accounts(accounts or {})
        self.scheme = {None: "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}[tls]
        options: dict = {"authenticator": self.accounts} if accounts else {}
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif tls == "smtps":
            options.update(ssl_context=context, auth_require_tls=False)  # the whole connection is TLS
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Message]:
        return self.collector.messages

    @property
    def connections(self) -> int:
        """How many connections the messages came over."""
        return len(set(self.collector.peers))

    def refuse(self, address: str) -> None:
        self.collector.refused.add(address.lower())

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
