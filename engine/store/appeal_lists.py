"""Appeal lists for staff: scoped to bodies, filtered by deadline state and period, paged by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, fn

from engine.domain.vocabulary import UNFINISHED_STATUSES

from .models import AppealRecord, ClockRecord

PAGE_LIMIT = 200
FIELDS = ("channel", "status", "body", "topic", "municipality", "priority", "policy")


@dataclass(frozen=True)
class AppealQuery:
    filters: dict
    bodies: frozenset[str] | None = None  # None: every body
    sectors: frozenset[str] | None = None  # with bodies: appeals of these sector blocks are in scope too
    overdue: bool = False
    at_risk_until: datetime | None = None  # a running clock due between now and this instant
    received_from: datetime | None = None
    received_to: datetime | None = None
    now: datetime | None = None


def _running_clocks():
    return ClockRecord.select(ClockRecord.appeal).where(
        ClockRecord.stopped_at.is_null() & ClockRecord.paused_since.is_null()
    )


def _where(query, q: AppealQuery):
    for name in FIELDS:
        if q.filters.get(name):
            query = query.where(getattr(AppealRecord, name) == q.filters[name])
    if q.bodies is not None:
        query = query.where(scope_condition(q.bodies, q.sectors))
    if q.overdue:
        query = query.where(AppealRecord.id.in_(_running_clocks().where(ClockRecord.due_at < q.now)))
    if q.at_risk_until is not None:
        query = query.where(AppealRecord.id.in_(
            _running_clocks().where((ClockRecord.due_at >= q.now) & (ClockRecord.due_at <= q.at_risk_until))
        ))
    if q.received_from:
        query = query.where(AppealRecord.received_at >= q.received_from)
    if q.received_to:
        query = query.where(AppealRecord.received_at < q.received_to)
    return query


def scope_condition(bodies: frozenset[str], sectors: frozenset[str] | None):
    """Appeals held by ``bodies`` or, given ``sectors``, in one of those sector blocks."""
    held = AppealRecord.body.in_(sorted(bodies)) if bodies else (AppealRecord.id < 0)
    return held | AppealRecord.sector.in_(sorted(sectors)) if sectors else held


def list_appeals(q: AppealQuery, *, after_id: int | None, limit: int) -> list[AppealRecord]:
    query = _where(AppealRecord.select(), q)
    if after_id:
        query = query.where(AppealRecord.id < after_id)
    return list(query.order_by(AppealRecord.id.desc()).limit(min(limit, PAGE_LIMIT)))


def queue(q: AppealQuery, *, limit: int = PAGE_LIMIT) -> list[tuple[AppealRecord, datetime | None]]:
    """Open appeals with their nearest running due time, soonest first (no due time last)."""
    nearest = (
        ClockRecord.select(ClockRecord.appeal.alias("appeal_id"), fn.MIN(ClockRecord.due_at).alias("due"))
        .where(ClockRecord.stopped_at.is_null())
        .group_by(ClockRecord.appeal)
        .alias("nearest")
    )
    query = (
        _where(AppealRecord.select(AppealRecord, nearest.c.due), q)
        .join(nearest, join_type=JOIN.LEFT_OUTER, on=(AppealRecord.id == nearest.c.appeal_id))
        .where(AppealRecord.status.in_(UNFINISHED_STATUSES))
        .order_by(nearest.c.due.is_null(), nearest.c.due, AppealRecord.id)
        .limit(limit)
        .objects()
    )
    due_field = ClockRecord.due_at
    return [(row, due_field.python_value(row.due) if row.due is not None else None) for row in query]


def count_by_status(bodies: frozenset[str] | None, sectors: frozenset[str] | None = None) -> dict[str, int]:
    query = AppealRecord.select(AppealRecord.status, fn.COUNT(AppealRecord.id).alias("n"))
    query = _where(query, AppealQuery(filters={}, bodies=bodies, sectors=sectors)).group_by(AppealRecord.status)
    return {row.status: row.n for row in query.objects()}

