"""An alert ready to leave the building, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(Exception):
    """The channel refused or could not be reached; delivery will be retried unless `permanent`."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


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
