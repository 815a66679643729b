"""Incidents and their members: the indexed candidate lookups of grouping, joining and detaching."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from engine.domain.vocabulary import OPEN_STATUSES

from .models import AppealRecord, AssignmentRecord, AuditRecord, IncidentRecord

CANDIDATES = 50  # the most recent candidates compared with a new appeal


def open_incidents(topic: str, *, place_key: str | None, municipality: str | None, box, since: datetime,
                   until: datetime) -> list[IncidentRecord]:
    """Open incidents on the topic at the place (by street) or, for a point, in the municipality within
    the box (min lat, max lat, min lon, max lon), reported last in [since, until]."""
    q = IncidentRecord.select().where((IncidentRecord.topic == topic) & (IncidentRecord.status == "open")
                                      & (IncidentRecord.last_report_at >= since)
                                      & (IncidentRecord.first_report_at <= until))
    if place_key is not None:
        q = q.where(IncidentRecord.place_key == place_key)
    elif box is not None and municipality is not None:
        q = q.where((IncidentRecord.municipality == municipality) & IncidentRecord.lat.between(box[0], box[1])
                    & IncidentRecord.long.between(box[2], box[3]))
    else:
        return []
    return list(q.order_by(IncidentRecord.last_report_at.desc(), IncidentRecord.id.desc()).limit(CANDIDATES))


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
    AppealRecord.update(incident_id=incident_id, updated_at=now, **columns).where(
        AppealRecord.id == appeal_id).execute()


def refresh_counts(incident: IncidentRecord, now: datetime) -> IncidentRecord:
    """Members, distinct authors (an appeal without an author id is its own author), first and last report."""
    who = fn.COALESCE(AppealRecord.author_id, AppealRecord.id.cast("TEXT"))
    row = (AppealRecord.select(fn.COUNT(AppealRecord.id), fn.COUNT(who.distinct()), fn.MIN(AppealRecord.received_at),
                               fn.MAX(AppealRecord.received_at))
           .where(AppealRecord.incident_id == incident.id).tuples().first())
    count, authors, first, last = row
    incident.members, incident.authors = count, authors
    if count:
        incident.first_report_at = AppealRecord.received_at.python_value(first)
        incident.last_report_at = AppealRecord.received_at.python_value(last)
    incident.updated_at = now
    incident.save()
    return incident


def members(incident_id: int) -> list[AppealRecord]:
    return list(AppealRecord.select().where(AppealRecord.incident_id == incident_id)
                .order_by(AppealRecord.received_at, AppealRecord.id))


def get(incident_id: int) -> IncidentRecord | None:
    return IncidentRecord.get_or_none(IncidentRecord.id == incident_id)


def set_priority(incident: IncidentRecord, priority: str, now: datetime) -> list[int]:
    """The incident's priority, and its members' where it differs; the ids of members changed."""
    incident.priority, incident.updated_at = priority, now
    incident.save()
    changed = [a.id for a in AppealRecord.select(AppealRecord.id).where(
        (AppealRecord.incident_id == incident.id) & (AppealRecord.priority != priority))]
    if changed:
        AppealRecord.update(priority=priority, updated_at=now).where(AppealRecord.id.in_(changed)).execute()
    return changed


def listing(*, status: str | None = None, topic: str | None = None, municipality: str | None = None,
            body: str | None = None, bodies=None, limit: int = 50, offset: int = 0) -> tuple[list, int]:
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
