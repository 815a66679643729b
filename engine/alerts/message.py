"""An alert ready to leave the building, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class DeliveryError(Exception):
    """The channel refused or could not be reached; delivery will be retried unless `permanent`.

    `retry_after`: seconds the platform asked us to wait (a rate limit); `credentials`: the channel's
    own token or key was refused, so every message on that channel fails until it is replaced."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 credentials: bool = False):
        super().__init__(message)
        self.permanent = permanent or credentials
        self.retry_after = retry_after
        self.credentials = credentials


@dataclass(frozen=True)
class OutgoingAlert:
    alert_id: int
    idempotency_key: str
    channel: str
    address: str
    recipient_name: str
    subject: str
    body: str
    link: str
    appeal_id: int | None = None
    level: str = ""
    role: str = ""
    ack_link: str = ""  # the API's POST …/ack (for programs: the alert webhook)
    accept_link: str = ""  # the one-click «Принять» page for people (engine.services.accept_links)
    accept_until: str = ""  # until when it works, in words («до 03.12.2026 10:00 (UTC+7)»)
    date: datetime | None = None  # when it leaves: the letter's Date header

    def text(self) -> str:
        """The plain-text message: the body, the staff page, and the one-click acknowledgement."""
        page = "Открыть обращение" if self.appeal_id else "Список просроченных обращений"
        lines = [self.body, "", f"{page}: {self.link}"]
        if self.accept_link:
            lines.append(f"Принять (без входа, одним нажатием{', ' + self.accept_until if self.accept_until else ''}): "
                         f"{self.accept_link}")
        return "\n".join(lines) + "\n"
