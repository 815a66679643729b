"""Appeal lists for staff: scoped to bodies, searched by text, filtered by field, deadline state and
period, sorted and paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, Ordering, fn

from engine.domain.vocabulary import UNFINISHED_STATUSES

from .models import AppealRecord, ClockRecord
from .search import text_matches

PAGE_LIMIT = 200
FIELDS = ("channel", "status", "body", "topic", "municipality", "priority", "policy")
SORTS = ("newest", "oldest", "due")  # by receipt (the id's order), or the nearest running due time first
MIN_CONTACT_DIGITS = 5  # a search with this many digits (a phone) or an «@» also looks at the author's contact


def looks_like_contact(text: str) -> bool:
    """An e-mail address (or a part with «@»), or a phone number: worth a scan of the authors' contacts."""
    return "@" in text or sum(ch.isdigit() for ch in text) >= MIN_CONTACT_DIGITS


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
    statuses: tuple[str, ...] | None = None  # any of these (a group such as "open"); None: no condition
    on_control: bool | None = None  # the centre checks its answers (m0018); None: either
    text: str | None = None  # a search: words of the text, address or author, an appeal's number, a contact
    terms: tuple[tuple[str, ...], ...] = ()  # the search's words as lemma alternatives (SQLite's index)
    unrouted: tuple[int, ...] = ()  # received appeals, not in SQLite's index yet, whose words match (the service's)


def _running_clocks():
    return ClockRecord.select(ClockRecord.appeal).where(
        ClockRecord.stopped_at.is_null() & ClockRecord.paused_since.is_null()
    )


def _where(query, q: AppealQuery):
    for name in FIELDS:
        if q.filters.get(name):
            query = query.where(getattr(AppealRecord, name) == q.filters[name])
    if q.statuses is not None:
        query = query.where(AppealRecord.status.in_(list(q.statuses)))
    if q.on_control is not None:
        query = query.where(AppealRecord.on_control == q.on_control)
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
    if q.text:
        query = query.where(_text_condition(q))
    return query


def _text_condition(q: AppealQuery):
    condition = text_matches([list(t) for t in q.terms])
    if q.unrouted:
        condition = condition | AppealRecord.id.in_(list(q.unrouted))
    number = q.text.strip().lstrip("№#").strip()
    if number.isdigit() and len(number) < 19:
        condition = condition | (AppealRecord.id == int(number))
    if looks_like_contact(q.text.strip()):
        condition = condition | AppealRecord.author_contact.contains(q.text.strip())
    return condition


def scope_condition(bodies: frozenset[str], sectors: frozenset[str] | None):
    """Appeals held by ``bodies`` or, given ``sectors``, in one of those sector blocks."""
    held = AppealRecord.body.in_(sorted(bodies)) if bodies else (AppealRecord.id < 0)
    return held | AppealRecord.sector.in_(sorted(sectors)) if sectors else held


def list_appeals(q: AppealQuery, *, after_id: int | None, limit: int) -> list[AppealRecord]:
    query = _where(AppealRecord.select(), q)
    if after_id:
        query = query.where(AppealRecord.id < after_id)
    return list(query.order_by(AppealRecord.id.desc()).limit(min(limit, PAGE_LIMIT)))


def _nearest_due():
    return (
        ClockRecord.select(ClockRecord.appeal.alias("appeal_id"), fn.MIN(ClockRecord.due_at).alias("due"))
        .where(ClockRecord.stopped_at.is_null())
        .group_by(ClockRecord.appeal)
        .alias("nearest")
    )


def _with_due(query) -> list[tuple[AppealRecord, datetime | None]]:
    due_field = ClockRecord.due_at
    return [(row, due_field.python_value(row.due) if row.due is not None else None) for row in query.objects()]


def _due_of_row():
    """The appeal's nearest running due time, looked up per row (through the (appeal, kind) index): only for
    the rows a page shows, or those a due-first order compares."""
    clock = ClockRecord.alias("due_clock")
    return (clock.select(fn.MIN(clock.due_at))
            .where((clock.appeal == AppealRecord.id) & clock.stopped_at.is_null()))


def _searched(q: AppealQuery, sort: str, after_id: int | None):
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    due = _due_of_row()
    query = _where(AppealRecord.select(AppealRecord, due.alias("due")), q)
    if sort == "newest":
        query = query.order_by(AppealRecord.id.desc())
        if after_id:
            query = query.where(AppealRecord.id < after_id)
    elif sort == "oldest":
        query = query.order_by(AppealRecord.id)
    else:
        query = query.order_by(Ordering(_due_of_row(), "ASC", nulls="LAST"), AppealRecord.id)
    return query


def search(q: AppealQuery, *, sort: str = "newest", offset: int = 0, limit: int = 50,
           after_id: int | None = None) -> list[tuple[AppealRecord, datetime | None]]:
    """One page of the appeals the query finds, each with its nearest running due time.
    `after_id` (newest first only) continues after that appeal instead of skipping `offset` rows."""
    return _with_due(_searched(q, sort, after_id).offset(offset).limit(min(limit, PAGE_LIMIT)))


def search_all(q: AppealQuery, *, sort: str, limit: int):
    """Everything the query finds, up to `limit`, read as one query (an export), streamed."""
    due_field = ClockRecord.due_at
    for row in _searched(q, sort, None).limit(limit).objects().iterator():
        yield row, due_field.python_value(row.due) if row.due is not None else None


def count(q: AppealQuery) -> int:
    return _where(AppealRecord.select(AppealRecord.id), q).count()


def queue(q: AppealQuery, *, limit: int = PAGE_LIMIT) -> list[tuple[AppealRecord, datetime | None]]:
    """Open appeals with their nearest running due time, soonest first (no due time last)."""
    nearest = _nearest_due()
    query = (
        _where(AppealRecord.select(AppealRecord, nearest.c.due), q)
        .join(nearest, join_type=JOIN.LEFT_OUTER, on=(AppealRecord.id == nearest.c.appeal_id))
        .where(AppealRecord.status.in_(UNFINISHED_STATUSES))
        .order_by(nearest.c.due.is_null(), nearest.c.due, AppealRecord.id)
        .limit(limit)
    )
    return _with_due(query)


def count_by_status(bodies: frozenset[str] | None, sectors: frozenset[str] | None = None) -> dict[str, int]:
    query = AppealRecord.select(AppealRecord.status, fn.COUNT(AppealRecord.id).alias("n"))
    query = _where(query, AppealQuery(filters={}, bodies=bodies, sectors=sectors)).group_by(AppealRecord.status)
    return {row.status: row.n for row in query.objects()}
