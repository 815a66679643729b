"""The alert outbox: written by the sweep, drained by delivery."""

from __future__ import annotations

from datetime import datetime

from peewee import IntegrityError

from .db import database
from .models import AlertRecord


def enqueue(*, now: datetime, status: str = "pending", **fields) -> bool:
    """Insert an alert unless its idempotency key exists; True when this call inserted it."""
    try:
        with database.atomic():  # a savepoint inside the caller's transaction
            AlertRecord.create(
                created_at=now,
                status=status,
                attempts=0,
                next_attempt_at=now if status == "pending" else None,
                **fields,
            )
    except IntegrityError:
        return False
    return True


def pending(now: datetime, *, after_id: int, limit: int) -> list[AlertRecord]:
    return list(
        AlertRecord.select()
        .where((AlertRecord.status == "pending") & (AlertRecord.next_attempt_at <= now) & (AlertRecord.id > after_id))
        .order_by(AlertRecord.id)
        .limit(limit)
    )


def mark_sent(alert_id: int, now: datetime) -> int:
    return (
        AlertRecord.update(status="sent", sent_at=now, attempts=AlertRecord.attempts + 1, last_error=None)
        .where((AlertRecord.id == alert_id) & (AlertRecord.status == "pending"))
        .execute()
    )


def mark_failed(alert_id: int, *, error: str, next_attempt_at: datetime | None, dead: bool) -> None:
    AlertRecord.update(
        status="dead" if dead else "pending",
        attempts=AlertRecord.attempts + 1,
        last_error=error[:2000],
        next_attempt_at=next_attempt_at,
    ).where(AlertRecord.id == alert_id).execute()


def list_alerts(*, status: str | None, recipient: str | None, appeal_id: int | None, limit: int = 200):
    query = AlertRecord.select()
    if status:
        query = query.where(AlertRecord.status == status)
    if recipient:
        query = query.where(AlertRecord.recipient == recipient)
    if appeal_id:
        query = query.where(AlertRecord.appeal == appeal_id)
    return list(query.order_by(AlertRecord.id.desc()).limit(limit))


def get_alert(alert_id: int) -> AlertRecord | None:
    return AlertRecord.get_or_none(AlertRecord.id == alert_id)


def acknowledge(alert_id: int, now: datetime) -> None:
    AlertRecord.update(acknowledged_at=now).where(
        (AlertRecord.id == alert_id) & AlertRecord.acknowledged_at.is_null()
    ).execute()
