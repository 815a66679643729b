"""An alert ready to leave the building, independent of the channel that carries it."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(Exception):
    """The channel refused or could not be reached; delivery will be retried."""


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
