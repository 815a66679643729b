"""An alert ready to leave the building, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass


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
    ack_link: str = ""

    def text(self) -> str:
        """The plain-text message: the body, the link, and how to acknowledge."""
        lines = [self.body, "", self.link]
        if self.ack_link:
            lines.append(f"Подтвердить получение: POST {self.ack_link}")
        return "\n".join(lines) + "\n"
