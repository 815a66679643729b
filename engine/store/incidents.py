"""Incidents and their members: the indexed candidate lookups of grouping, joining and detaching."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from peewee import Case, fn

from engine.domain.vocabulary import OPEN_STATUSES

from . import shapes
from .db import database, is_postgres
from .models import AppealRecord, AssignmentRecord, AuditRecord, IncidentRecord

CANDIDATES = 50  # the most recent candidates compared with a new appeal


def lock_places(keys: Iterable[str]) -> None:
    """PostgreSQL: wait for a transaction-level advisory lock on each place (a stable 64-bit hash of its
    key), taken in one order so two transactions never wait for each other; released at commit. Two
    workers routing appeals about one new place then look for candidates one after the other, so the
    second sees the first one's appeal or incident. SQLite has one writer at a time already."""
    numbers = sorted({place_lock_number(key) for key in keys})
    if numbers and is_postgres():
        database.execute_sql("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY k) "
                             "AS places", (numbers,))


def place_lock_number(key: str) -> int:
    """A signed 64-bit number for a place key, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def open_incidents(topic: str, *, place_key: str | None, municipality: str | None, box, since: datetime,
                   until: datetime) -> list[IncidentRecord]:
    """Open incidents on the topic at the place (by street) or, for a point, in the municipality within
    the box (min lat, max lat, min lon, max lon), reported last since `since` and first before `until`."""
    if place_key is not None:
        return shapes.rows("incidents-at-street", IncidentRecord, _open_at_street, topic=topic, place_key=place_key,
                           since=since, until=until)
    if box is not None and municipality is not None:
        return shapes.rows("incidents-in-box", IncidentRecord, _open_in_box, topic=topic, municipality=municipality,
                           box=list(box), since=since, until=until)
    return []


def _open(p):
    return IncidentRecord.select().where((IncidentRecord.topic == p.topic) & (IncidentRecord.status == "open")
                                         & (IncidentRecord.last_report_at >= p.since)
                                         & (IncidentRecord.first_report_at <= p.until))


def _newest(q):
    return q.order_by(IncidentRecord.last_report_at.desc(), IncidentRecord.id.desc()).limit(CANDIDATES)


def _open_at_street(p):
    return _newest(_open(p).where(IncidentRecord.place_key == p.place_key))


def _open_in_box(p):
    south, north, west, east = p.box
    return _newest(_open(p).where((IncidentRecord.municipality == p.municipality)
                                  & IncidentRecord.lat.between(south, north) & IncidentRecord.long.between(west, east)))


def lone_appeals(record, topic: str, *, place_key: str | None, municipality: str | None, box,
                 since: datetime) -> list[AppealRecord]:
    """Open appeals in no incident on the topic at the place (or in the box), received in the window
    before this one (in (received_at, id) order: what routing them one by one would have seen)."""
    received = record.received_at
    q = AppealRecord.select().where(
        (AppealRecord.topic == topic) & AppealRecord.incident_id.is_null() & AppealRecord.status.in_(OPEN_STATUSES)
        & (AppealRecord.received_at >= since) & (AppealRecord.id != record.id)
        & ((AppealRecord.received_at < received) | ((AppealRecord.received_at == received)
                                                    & (AppealRecord.id < record.id))))
    if place_key is not None:
        q = q.where(AppealRecord.place_key == place_key)
    elif box is not None and municipality is not None:
        q = q.where((AppealRecord.municipality == municipality) & AppealRecord.lat.between(box[0], box[1])
                    & AppealRecord.long.between(box[2], box[3]))
    else:
        return []
    return list(q.order_by(AppealRecord.received_at.desc(), AppealRecord.id.desc()).limit(CANDIDATES))


def create(lead, *, topic: str, municipality, place_key, street, house, address, lat, long, words,
           now: datetime) -> IncidentRecord:
    return IncidentRecord.create(
        topic=topic, municipality=municipality, place_key=place_key, street=street, house=house,
        address=address, lat=lat, long=long, lead=lead.id, body=lead.body, role=lead.role,
        official=_official_of(lead.id), priority=lead.priority, policy=lead.policy, status="open", members=0,
        authors=0, first_report_at=lead.received_at, last_report_at=lead.received_at, words=sorted(words),
        created_at=now, updated_at=now)


def _official_of(appeal_id: int) -> str | None:
    row = (AssignmentRecord.select(AssignmentRecord.official).where(AssignmentRecord.appeal == appeal_id)
           .order_by(AssignmentRecord.id.desc()).first())
    return row.official if row else None


def set_member(appeal_id: int, incident_id: int | None, now: datetime, **columns) -> None:
    set_members([appeal_id], incident_id, now, **columns)


def set_members(appeal_ids: list[int], incident_id: int | None, now: datetime, **columns) -> None:
    """These appeals become members of the incident (None: of none), each with the same other `columns`."""
    fields = {"now": AppealRecord.updated_at, **{name: AppealRecord._meta.fields[name] for name in columns}}
    shapes.execute("set-members", lambda p: AppealRecord.update(
        incident_id=p.incident, updated_at=p.now, **{name: getattr(p, name) for name in columns}).where(
        AppealRecord.id.in_(p.appeals)), fields=fields, appeals=list(appeal_ids), incident=incident_id, now=now,
        **columns)


def refresh_counts(incident: IncidentRecord, now: datetime) -> IncidentRecord:
    """Members, distinct authors (an appeal without an author id is its own author), first and last report,
    and the words, counted and written by one UPDATE … RETURNING."""
    who = fn.COALESCE(AppealRecord.author_id, AppealRecord.id.cast("TEXT"))

    def build(p):
        def of_members(expression):
            return AppealRecord.select(expression).where(AppealRecord.incident_id == p.incident)

        return _counts_update(
            p, members=of_members(fn.COUNT(AppealRecord.id)), authors=of_members(fn.COUNT(who.distinct())),
            first_report_at=fn.COALESCE(of_members(fn.MIN(AppealRecord.received_at)), IncidentRecord.first_report_at),
            last_report_at=fn.COALESCE(of_members(fn.MAX(AppealRecord.received_at)), IncidentRecord.last_report_at))

    return _counted(incident, shapes.tuples("refresh-counts", build, fields=_COUNTS_SET, incident=incident.id,
                                            words=incident.words, now=now), now)


def count_joined(incident: IncidentRecord, joined: list, now: datetime, *,
                 counted_authors: frozenset = frozenset()) -> IncidentRecord:
    """The counts of `refresh_counts` moved on by appeals that just became members (`set_member`), in one
    UPDATE … RETURNING that recounts no member: one more member each; one more author for each author no
    other member has (looked up through the (incident, author) index; an appeal without an author id is its
    own author); the first and last report widened. Relative to the row as the UPDATE finds it, so two
    workers joining at once both count. `counted_authors`: authors of members whose rows are not written yet
    (counted already, not looked up)."""
    authors = sorted({r.author_id for r in joined if r.author_id is not None} - counted_authors)

    def build(p):
        new_authors = p.anonymous
        for author in (p.authors if "authors" in p else ()):
            other = AppealRecord.select(AppealRecord.id).where(
                (AppealRecord.incident_id == p.incident) & (AppealRecord.author_id == author)
                & AppealRecord.id.not_in(p.ids))
            new_authors = new_authors + Case(None, [(fn.EXISTS(other), 0)], 1)
        return _counts_update(
            p, members=IncidentRecord.members + p.members, authors=IncidentRecord.authors + new_authors,
            first_report_at=Case(None, [(IncidentRecord.first_report_at <= p.first, IncidentRecord.first_report_at)],
                                 p.first),
            last_report_at=Case(None, [(IncidentRecord.last_report_at >= p.last, IncidentRecord.last_report_at)],
                                p.last))

    report = IncidentRecord.first_report_at
    return _counted(incident, shapes.tuples(
        "count-joined", build, fields={"first": report, "last": report, **_COUNTS_SET},
        incident=incident.id, ids=[r.id for r in joined], **({"authors": authors} if authors else {}),
        anonymous=sum(r.author_id is None for r in joined), members=len(joined),
        first=min(r.received_at for r in joined), last=max(r.received_at for r in joined),
        words=incident.words, now=now), now)


_COUNTS_SET = {"words": IncidentRecord.words, "now": IncidentRecord.updated_at}  # the values _counts_update sets


def _counts_update(p, **counts):
    """The UPDATE … RETURNING of an incident's counts (expressions), its words and the time."""
    return IncidentRecord.update(**counts, words=p.words, updated_at=p.now).where(
        IncidentRecord.id == p.incident).returning(
        IncidentRecord.members, IncidentRecord.authors, IncidentRecord.first_report_at, IncidentRecord.last_report_at)


def _counted(incident: IncidentRecord, rows: list[tuple], now: datetime) -> IncidentRecord:
    """The record takes what the UPDATE … RETURNING wrote."""
    incident.members, incident.authors, incident.first_report_at, incident.last_report_at = rows[0]
    incident.updated_at = now
    return incident


def members(incident_id: int) -> list[AppealRecord]:
    return list(AppealRecord.select().where(AppealRecord.incident_id == incident_id)
                .order_by(AppealRecord.received_at, AppealRecord.id))


def get(incident_id: int) -> IncidentRecord | None:
    return IncidentRecord.get_or_none(IncidentRecord.id == incident_id)


def set_priority(incident: IncidentRecord, priority: str, now: datetime) -> list[int]:
    """The incident's priority, and its members' where it differs; the ids of members changed."""
    incident.priority, incident.updated_at = priority, now
    IncidentRecord.update(priority=priority, updated_at=now).where(IncidentRecord.id == incident.id).execute()
    changed = (AppealRecord.update(priority=priority, updated_at=now)
               .where((AppealRecord.incident_id == incident.id) & (AppealRecord.priority != priority))
               .returning(AppealRecord.id).execute())
    return sorted(row.id for row in changed)


def set_policy(incident: IncidentRecord, policy: str, now: datetime) -> None:
    incident.policy, incident.updated_at = policy, now
    IncidentRecord.update(policy=policy, updated_at=now).where(IncidentRecord.id == incident.id).execute()


def listing(*, status: str | None = None, topic: str | None = None, municipality: str | None = None,
            body: str | None = None, bodies=None, limit: int | None = 50, offset: int = 0) -> tuple[list, int]:
    q = IncidentRecord.select()
    if status:
        q = q.where(IncidentRecord.status == status)
    if topic:
        q = q.where(IncidentRecord.topic == topic)
    if municipality:
        q = q.where(IncidentRecord.municipality == municipality)
    if body:
        q = q.where(IncidentRecord.body == body)
    if bodies is not None:
        q = q.where(IncidentRecord.body.in_(list(bodies)))
    total = q.count()
    rows = list(q.order_by(IncidentRecord.last_report_at.desc(), IncidentRecord.id.desc()).limit(limit).offset(offset))
    return rows, total


def close_if_finished(incident: IncidentRecord, now: datetime) -> None:
    """Closed once no member is open."""
    still = AppealRecord.select().where((AppealRecord.incident_id == incident.id)
                                        & AppealRecord.status.in_(OPEN_STATUSES)).exists()
    if not still and incident.status == "open":
        incident.status, incident.updated_at = "closed", now
        incident.save()


def join_reasons(appeal_ids: list[int]) -> dict[int, list[str]]:
    """Why each appeal joined its incident: the reasons of its latest join (routing's audit line)."""
    out: dict[int, list[str]] = {}
    if not appeal_ids:
        return out
    rows = (AuditRecord.select(AuditRecord.appeal, AuditRecord.details)
            .where(AuditRecord.appeal.in_(appeal_ids) & (AuditRecord.action == "appeal.joined_incident"))
            .order_by(AuditRecord.id))
    for row in rows:
        out[row.appeal_id] = list(row.details.get("reasons") or [])
    return out
