"""What the centre's picture of the region counts: appeals by topic and place per period, repeated
addresses, incidents reported in the period, answer clocks by body, appeals with coordinates. Every query
of appeals and clocks is one indexed range over received_at or due_at (m0024) and aggregates in SQL, so a
year of appeals costs a few queries, not a scan into Python; incidents (a few per hundred appeals) are read
a page at a time, the most authors first."""

from __future__ import annotations

from datetime import datetime

from peewee import Case, fn

from .appeal_lists import scope_condition
from .models import AppealRecord, ClockRecord, IncidentRecord


def _scoped(query, bodies: frozenset[str] | None, sectors: frozenset[str] | None):
    return query if bodies is None else query.where(scope_condition(bodies, sectors))


def counts_by_topic_and_place(start: datetime, end: datetime, *, bodies=None, sectors=None) -> list[tuple]:
    """(topic, municipality, appeals) received in [start, end)."""
    query = (AppealRecord.select(AppealRecord.topic, AppealRecord.municipality, fn.COUNT(AppealRecord.id))
             .where((AppealRecord.received_at >= start) & (AppealRecord.received_at < end))
             .group_by(AppealRecord.topic, AppealRecord.municipality))
    return list(_scoped(query, bodies, sectors).tuples())


def repeated_addresses(start: datetime, end: datetime, *, limit: int, bodies=None, sectors=None) -> list[tuple]:
    """(municipality, address, topic, appeals, authors, first, last): addresses written in two or more
    appeals received in [start, end), most appeals first."""
    count = fn.COUNT(AppealRecord.id)
    query = (AppealRecord.select(AppealRecord.municipality, AppealRecord.address, AppealRecord.topic, count,
                                 fn.COUNT(AppealRecord.author_id.distinct()), fn.MIN(AppealRecord.received_at),
                                 fn.MAX(AppealRecord.received_at))
             .where((AppealRecord.received_at >= start) & (AppealRecord.received_at < end)
                    & AppealRecord.address.is_null(False) & (AppealRecord.address != ""))
             .group_by(AppealRecord.municipality, AppealRecord.address, AppealRecord.topic)
             .having(count >= 2)
             .order_by(count.desc(), AppealRecord.municipality, AppealRecord.address)
             .limit(limit))
    rows = []
    field = AppealRecord.received_at
    for municipality, address, topic, n, authors, first, last in _scoped(query, bodies, sectors).tuples():
        rows.append((municipality, address, topic, n, authors, field.python_value(first), field.python_value(last)))
    return rows


def _flag(condition):
    return fn.SUM(Case(None, ((condition, 1),), 0))


def clock_outcomes_by_body(*, kinds: tuple[str, ...], now: datetime, due_from: datetime | None = None,
                           due_to: datetime | None = None, started_from: datetime | None = None,
                           started_to: datetime | None = None, bodies=None, sectors=None) -> list[tuple]:
    """Per body: (body, on_time_closed, closed_late, open_overdue, open_on_track) over clocks of ``kinds``
    due in [due_from, due_to) and/or started in [started_from, started_to).

    closed: stopped by ``now``; on time: stopped no later than due. open_overdue: not stopped, past due
    and not paused before due; open_on_track: every other open clock (not yet due, or waiting for the
    author since before its due time)."""
    stopped = ClockRecord.stopped_at.is_null(False) & (ClockRecord.stopped_at <= now)
    open_ = ClockRecord.stopped_at.is_null() | (ClockRecord.stopped_at > now)
    paused_in_time = ClockRecord.paused_since.is_null(False) & (ClockRecord.paused_since <= ClockRecord.due_at)
    overdue = open_ & (ClockRecord.due_at < now) & ~paused_in_time
    query = (ClockRecord.select(ClockRecord.body,
                                _flag(stopped & (ClockRecord.stopped_at <= ClockRecord.due_at)),
                                _flag(stopped & (ClockRecord.stopped_at > ClockRecord.due_at)),
                                _flag(overdue), _flag(open_ & ~overdue))
             .where(ClockRecord.kind.in_(kinds))
             .group_by(ClockRecord.body)
             .order_by(ClockRecord.body))
    if due_from is not None:
        query = query.where(ClockRecord.due_at >= due_from)
    if due_to is not None:
        query = query.where(ClockRecord.due_at < due_to)
    if started_from is not None:
        query = query.where(ClockRecord.started_at >= started_from)
    if started_to is not None:
        query = query.where(ClockRecord.started_at < started_to)
    if bodies is not None:  # the scope is the appeal's: join it only when there is one
        query = _scoped(query.join(AppealRecord), bodies, sectors)
    return [(body, *(int(n or 0) for n in counts)) for body, *counts in query.tuples()]


def located(start: datetime, end: datetime, *, limit: int, bodies=None, sectors=None) -> list[tuple]:
    """(id, lat, long, topic, municipality) of appeals received in [start, end) that carry coordinates,
    newest first."""
    query = (AppealRecord.select(AppealRecord.id, AppealRecord.lat, AppealRecord.long, AppealRecord.topic,
                                 AppealRecord.municipality)
             .where((AppealRecord.received_at >= start) & (AppealRecord.received_at < end)
                    & AppealRecord.lat.is_null(False) & AppealRecord.long.is_null(False))
             .order_by(AppealRecord.id.desc())
             .limit(limit))
    return list(_scoped(query, bodies, sectors).tuples())


def incidents_reported(start: datetime, end: datetime, *, limit: int, offset: int = 0) -> list[IncidentRecord]:
    """Incidents of two or more members with a report in [start, end) (the first before the end, the last
    from the start): the most distinct authors first, then the most members, the latest reported."""
    return list(IncidentRecord.select()
                .where((IncidentRecord.first_report_at < end) & (IncidentRecord.last_report_at >= start)
                       & (IncidentRecord.members >= 2))
                .order_by(IncidentRecord.authors.desc(), IncidentRecord.members.desc(),
                          IncidentRecord.last_report_at.desc(), IncidentRecord.id.desc())
                .limit(limit).offset(offset))
