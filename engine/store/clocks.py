"""Queries on clocks: create, lock, change, page through open ones, and the rows reports read."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from .db import is_postgres
from .models import AppealRecord, AuditRecord, ClockRecord
from .statements import insert_rows


def create_clock(appeal: AppealRecord, deadline, body: str, *, stopped_at: datetime | None) -> ClockRecord:
    """Store a started (or pending) clock with its term as computed (``engine.domain.deadlines.ClockDeadline``)."""
    return ClockRecord.create(
        appeal=appeal,
        kind=deadline.kind,
        basis=deadline.basis,
        policy_id=deadline.policy_id,
        policy_version=deadline.policy_version,
        calendar_version=deadline.calendar_version,
        body=body,
        started_at=deadline.starts_at,
        due_at=deadline.due_at,
        stopped_at=stopped_at,
        amount=deadline.amount or None,
        on_non_working=deadline.on_non_working,
        max_extension_days=deadline.max_extension_days,
        waits_for=deadline.waits_for,
        cap_at=deadline.cap_at,
        provisional_years=deadline.provisional_years,
    )


def get_clock(appeal_id: int, kind: str, *, for_update: bool = False) -> ClockRecord | None:
    query = ClockRecord.select().where((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == kind))
    if for_update and is_postgres():
        query = query.for_update()
    return query.first()



def update_clock(clock: ClockRecord, **changes) -> None:
    ClockRecord.update(**changes).where(ClockRecord.id == clock.id).execute()
    for name, value in changes.items():
        setattr(clock, name, value)


def open_clock_ids(*, after_id: int, limit: int, appeal_id: int | None = None) -> list[int]:
    """Ids of clocks not stopped, in id order after a cursor (a page loop always ends)."""
    query = ClockRecord.select(ClockRecord.id).where(ClockRecord.stopped_at.is_null() & (ClockRecord.id > after_id))
    if appeal_id is not None:
        query = query.where(ClockRecord.appeal == appeal_id)
    return [r.id for r in query.order_by(ClockRecord.id).limit(limit)]


TERM_COLUMNS = (
    "id", "kind", "basis", "body", "policy_id", "policy_version", "calendar_version", "started_at", "due_at",
    "deadline_version", "paused_since", "stopped_at", "breached_at", "amount", "on_non_working",
    "max_extension_days", "extension_days", "pause_credit", "waits_for", "cap_at",
    "provisional_years", "follows",
)


def provisional_appeals(years: list[int]) -> dict[int, list[int]]:
    """Appeals with an open clock counted provisionally for one of ``years`` (which the calendar now
    has): appeal id → those years. Read through the partial index of m0020."""
    found: dict[int, list[int]] = {}
    if not years:
        return found
    rows = (ClockRecord.select(ClockRecord.appeal, ClockRecord.provisional_years)
            .where(ClockRecord.provisional_years.is_null(False) & ClockRecord.stopped_at.is_null())
            .tuples())
    wanted = {str(year) for year in years}
    for appeal_id, text in rows:
        covered = sorted(int(y) for y in set(text.split(",")) & wanted)
        if covered:
            found.setdefault(appeal_id, [])
            found[appeal_id] = sorted(set(found[appeal_id]) | set(covered))
    return found


def clock_terms(ids: list[int]) -> list[SimpleNamespace]:
    """What recomputing needs of each clock and its appeal, as light objects (no model instances)."""
    columns = [getattr(ClockRecord, name) for name in TERM_COLUMNS]
    rows = (
        ClockRecord.select(*columns, AppealRecord.id.alias("appeal_id"), AppealRecord.category,
                           AppealRecord.subcategory)
        .join(AppealRecord)
        .where(ClockRecord.id.in_(ids))
        .order_by(ClockRecord.id)
        .dicts()
    )
    return [SimpleNamespace(**row) for row in rows]


def update_clocks(ids: list[int], changes: dict, *, bump_version: bool) -> None:
    """The same changes on many clocks in one statement; ``bump_version`` adds 1 to deadline_version."""
    if bump_version:
        changes = {**changes, "deadline_version": ClockRecord.deadline_version + 1}
    ClockRecord.update(**changes).where(ClockRecord.id.in_(ids)).execute()


AUDIT_COLUMNS = ("at", "actor", "action", "appeal", "details")


def audit_many(rows: list[dict]) -> None:
    """Audit events (each row has at, actor, action, appeal, details) by one prepared statement."""
    insert_rows(AuditRecord, [{name: row[name] for name in AUDIT_COLUMNS} for row in rows])


REPORT_FIELDS = ("body", "topic", "municipality", "channel", "policy")


def _scoped(query, bodies: frozenset[str] | None, sectors: frozenset[str] | None = None):
    """Only clocks of appeals held by ``bodies`` (None: every body) or in ``sectors``, as the appeals
    list scopes them."""
    if bodies is None:
        return query
    from .appeal_lists import scope_condition

    return query.where(scope_condition(bodies, sectors))


def sla_rows(*, kinds: tuple[str, ...], start: datetime, end: datetime, filters: dict[str, str],
             bodies: frozenset[str] | None = None, sectors: frozenset[str] | None = None) -> list[dict]:
    """Clocks of ``kinds`` due in [start, end), with the appeal fields reports group by."""
    query = (
        ClockRecord.select(
            ClockRecord.id, ClockRecord.kind, ClockRecord.body, ClockRecord.due_at, ClockRecord.stopped_at,
            ClockRecord.paused_since, AppealRecord.id.alias("appeal_id"), AppealRecord.topic,
            AppealRecord.municipality, AppealRecord.channel, AppealRecord.policy,
        )
        .join(AppealRecord)
        .where(ClockRecord.kind.in_(kinds) & (ClockRecord.due_at >= start) & (ClockRecord.due_at < end))
        .order_by(ClockRecord.id)
    )
    for name, value in filters.items():
        column = ClockRecord.body if name == "body" else getattr(AppealRecord, name)
        query = query.where(column == value)
    return list(_scoped(query, bodies, sectors).dicts())


def at_risk_rows(*, after: datetime, until: datetime, bodies: frozenset[str] | None = None,
                 sectors: frozenset[str] | None = None) -> list[tuple[ClockRecord, AppealRecord]]:
    """Running (not stopped, not paused) clocks due in (after, until]."""
    rows = (
        ClockRecord.select(ClockRecord, AppealRecord)
        .join(AppealRecord)
        .where(
            ClockRecord.stopped_at.is_null()
            & ClockRecord.paused_since.is_null()
            & (ClockRecord.due_at > after)
            & (ClockRecord.due_at <= until)
        )
        .order_by(ClockRecord.due_at, ClockRecord.id)
    )
    return [(row, row.appeal) for row in _scoped(rows, bodies, sectors)]
