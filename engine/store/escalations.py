"""Escalation state per clock, read by its indexed next-check time."""

from __future__ import annotations

from datetime import datetime

from peewee import Tuple

from engine.domain.vocabulary import FINISHED_STATUSES

from .db import is_postgres
from .models import AppealRecord, ClockRecord, EscalationRecord
from .row_statements import update_by_id, update_many
from .statements import create

_KEEP = object()


def arm(clock: ClockRecord, ladder_id: str, next_check_at: datetime | None, now: datetime) -> EscalationRecord:
    return create(EscalationRecord, {"clock": clock, "ladder_id": ladder_id, "next_level": 0,
                                     "next_check_at": next_check_at, "updated_at": now})


def due_steps(now: datetime, *, after: tuple[datetime, int] | None, limit: int) -> list[tuple[datetime, int]]:
    """(next check time, id) of rows due at `now`, in that order after a keyset cursor: the index on
    (next_check_at, id) drives the read, so its cost follows the due rows, not the whole table,
    and a page loop always ends."""
    query = EscalationRecord.select(EscalationRecord.next_check_at, EscalationRecord.id).where(
        EscalationRecord.next_check_at <= now)
    if after is not None:
        at, last_id = after
        query = query.where(Tuple(EscalationRecord.next_check_at, EscalationRecord.id)
                            > Tuple(EscalationRecord.next_check_at.db_value(at), last_id))
    rows = query.order_by(EscalationRecord.next_check_at, EscalationRecord.id).limit(limit)
    return [(r.next_check_at, r.id) for r in rows]


def claim(escalation_id: int, now: datetime) -> EscalationRecord | None:
    """Re-read a due row inside the caller's transaction; on PostgreSQL lock it, skipping rows
    another worker holds."""
    query = EscalationRecord.select().where(
        (EscalationRecord.id == escalation_id) & (EscalationRecord.next_check_at <= now)
    )
    if is_postgres():
        query = query.for_update(skip_locked=True)
    return query.first()


# what the sweep needs of an appeal to decide and to write the alert
APPEAL_COLUMNS = (AppealRecord.id, AppealRecord.status, AppealRecord.channel, AppealRecord.text, AppealRecord.topic,
                  AppealRecord.regime, AppealRecord.priority, AppealRecord.municipality, AppealRecord.urgency,
                  AppealRecord.fz59, AppealRecord.sector, AppealRecord.incident_id)


def claim_many(ids: list[int], now: datetime) -> list[EscalationRecord]:
    """Re-read due rows with their clock and appeal inside the caller's transaction (one query);
    on PostgreSQL lock the escalation rows, skipping those another worker holds."""
    query = (
        EscalationRecord.select(EscalationRecord, ClockRecord, *APPEAL_COLUMNS)
        .join(ClockRecord)
        .join(AppealRecord)
        .where(EscalationRecord.id.in_(ids) & (EscalationRecord.next_check_at <= now))
        .order_by(EscalationRecord.id)
    )
    if is_postgres():
        query = query.for_update(of=EscalationRecord, skip_locked=True)
    return list(query)


def advance(row: EscalationRecord, *, next_level: int, next_check_at: datetime | None, now: datetime,
            repeat_level=_KEEP, repeat_count=_KEEP, repeat_from=_KEEP) -> None:
    update_by_id(EscalationRecord, row.id, advance_changes(next_level=next_level, next_check_at=next_check_at, now=now,
                                                           repeat_level=repeat_level, repeat_count=repeat_count,
                                                           repeat_from=repeat_from))


def advance_changes(*, next_level: int, next_check_at: datetime | None, now: datetime,
                    repeat_level=_KEEP, repeat_count=_KEEP, repeat_from=_KEEP) -> dict:
    """The columns `advance` sets."""
    changes = {"next_level": next_level, "next_check_at": next_check_at, "updated_at": now}
    for name, value in (("repeat_level", repeat_level), ("repeat_count", repeat_count),
                        ("repeat_from", repeat_from)):
        if value is not _KEEP:
            changes[name] = value
    return changes


def advance_many(changes: list[tuple[int, dict]]) -> None:
    """Many rows advanced at once: (escalation id, what `advance_changes` gave)."""
    update_many(EscalationRecord, changes)


def oldest_due(now: datetime) -> datetime | None:
    row = (
        EscalationRecord.select(EscalationRecord.next_check_at)
        .where(EscalationRecord.next_check_at <= now)
        .order_by(EscalationRecord.next_check_at)
        .first()
    )
    return row.next_check_at if row else None


def due_count(now: datetime) -> int:
    return EscalationRecord.select().where(EscalationRecord.next_check_at <= now).count()


def mark_breached(clock: ClockRecord, at: datetime) -> None:
    """The clock breached, and so did the open clocks of incident members that follow it (m0032)."""
    ClockRecord.update(breached_at=at).where(
        ((ClockRecord.id == clock.id) | ((ClockRecord.follows == clock.id) & ClockRecord.stopped_at.is_null()))
        & ClockRecord.breached_at.is_null()
    ).execute()


def set_ladder(row: EscalationRecord, ladder_id: str) -> None:
    """Another ladder for the clock (its facts changed, e.g. a raised priority); the caller re-arms it."""
    EscalationRecord.update(ladder_id=ladder_id).where(EscalationRecord.id == row.id).execute()
    row.ladder_id = ladder_id


def for_clock(clock_id: int) -> EscalationRecord | None:
    return EscalationRecord.get_or_none(EscalationRecord.clock == clock_id)


def overdue_clocks(now: datetime) -> list[tuple]:
    """(appeal id, body, clock kind, due at) of running clocks past their due time on open appeals."""
    rows = (
        ClockRecord.select(ClockRecord.appeal, ClockRecord.body, ClockRecord.kind, ClockRecord.due_at)
        .join(AppealRecord)
        .where((ClockRecord.due_at < now) & ClockRecord.stopped_at.is_null()
               & AppealRecord.status.not_in(FINISHED_STATUSES))
        .order_by(ClockRecord.due_at)
        .tuples()
    )
    return [(appeal, body, kind, ClockRecord.due_at.python_value(due)) for appeal, body, kind, due in rows]
