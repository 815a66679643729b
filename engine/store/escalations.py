"""Escalation state per clock, read by its indexed next-check time."""

from __future__ import annotations

from datetime import datetime

from .db import is_postgres
from .models import ClockRecord, EscalationRecord


def arm(clock: ClockRecord, ladder_id: str, next_check_at: datetime | None, now: datetime) -> EscalationRecord:
    return EscalationRecord.create(
        clock=clock, ladder_id=ladder_id, next_level=0, next_check_at=next_check_at, updated_at=now
    )


def due_ids(now: datetime, *, after_id: int, limit: int) -> list[int]:
    """Ids of rows due at `now`, in id order after a cursor (so a page loop always ends)."""
    rows = (
        EscalationRecord.select(EscalationRecord.id)
        .where((EscalationRecord.next_check_at <= now) & (EscalationRecord.id > after_id))
        .order_by(EscalationRecord.id)
        .limit(limit)
    )
    return [r.id for r in rows]


def claim(escalation_id: int, now: datetime) -> EscalationRecord | None:
    """Re-read a due row inside the caller's transaction; on PostgreSQL lock it, skipping rows
    another worker holds."""
    query = EscalationRecord.select().where(
        (EscalationRecord.id == escalation_id) & (EscalationRecord.next_check_at <= now)
    )
    if is_postgres():
        query = query.for_update(skip_locked=True)
    return query.first()


def advance(row: EscalationRecord, *, next_level: int, next_check_at: datetime | None, now: datetime) -> None:
    EscalationRecord.update(next_level=next_level, next_check_at=next_check_at, updated_at=now).where(
        EscalationRecord.id == row.id
    ).execute()


def oldest_due(now: datetime) -> datetime | None:
    row = (
        EscalationRecord.select(EscalationRecord.next_check_at)
        .where(EscalationRecord.next_check_at <= now)
        .order_by(EscalationRecord.next_check_at)
        .first()
    )
    return row.next_check_at if row else None


def mark_breached(clock: ClockRecord, at: datetime) -> None:
    ClockRecord.update(breached_at=at).where(
        (ClockRecord.id == clock.id) & ClockRecord.breached_at.is_null()
    ).execute()


def for_clock(clock_id: int) -> EscalationRecord | None:
    return EscalationRecord.get_or_none(EscalationRecord.clock == clock_id)
