"""Queries on appeals and everything hanging off them (decisions, assignments, clocks)."""

from __future__ import annotations

from datetime import datetime

from peewee import IntegrityError, fn

from engine.domain.appeal import Author, IncomingAppeal

from . import shapes
from .db import database, is_postgres
from .models import AppealRecord, AssignmentRecord, AuditRecord, ClockRecord, DecisionRecord
from .receipts import write_together
from .row_statements import first_id_where, first_where
from .statements import create, insert_linked, insert_row, insert_values

PAGE_LIMIT = 200


class DuplicateAppeal(Exception):
    pass


def find_appeal(channel: str, external_id: str) -> AppealRecord | None:
    return AppealRecord.get_or_none(
        (AppealRecord.channel == channel) & (AppealRecord.external_id == external_id)
    )


def appeals_by_external_id(channel: str, external_ids: list[str]) -> list[AppealRecord]:
    if not external_ids:
        return []
    return list(AppealRecord.select().where((AppealRecord.channel == channel)
                                            & AppealRecord.external_id.in_(external_ids)))


def find_appeal_id(channel: str, external_id: str) -> int | None:
    """The id alone: the cheap check every webhook makes before storing."""
    return first_id_where(AppealRecord, channel=channel, external_id=external_id)


def get_appeal(appeal_id: int, *, for_update: bool = False) -> AppealRecord | None:
    return first_where(AppealRecord, id=appeal_id, for_update=for_update and is_postgres())


def channel_of(appeal_id: int) -> str | None:
    """The name of the channel the appeal came by (None: no such appeal)."""
    rows = shapes.tuples("appeal-channel", lambda p: AppealRecord.select(AppealRecord.channel).where(
        AppealRecord.id == p.appeal), appeal=appeal_id)
    return rows[0][0] if rows else None


def channels_of(appeal_ids) -> dict[int, str]:
    """The name of the channel each appeal came by, by appeal id (one query; an unknown id is left out)."""
    ids = sorted(set(appeal_ids))
    if not ids:
        return {}
    return dict(AppealRecord.select(AppealRecord.id, AppealRecord.channel).where(AppealRecord.id.in_(ids)).tuples())


def insert_appeal(incoming: IncomingAppeal, raw_payload: str, now: datetime) -> int:
    """Store a received appeal as it came; returns its id."""
    try:
        return insert_row(AppealRecord, _received_row(incoming, raw_payload, now))
    except IntegrityError as exc:
        raise DuplicateAppeal(f"{incoming.channel}/{incoming.external_id}") from exc


def insert_received(incoming: IncomingAppeal, raw_payload: str, now: datetime, actor: str) -> int | None:
    """Store a received appeal as it came with its audit line, committed when this returns: on PostgreSQL
    by one statement (one round trip, atomic by itself), on SQLite in one transaction with the receipts
    other threads of this process store at the moment (engine.store.receipts). Returns its id, or None
    inside a transaction already open, where the caller stores it with `insert_appeal` and `audit` (a
    repeat must not abort the caller's transaction, nor may other receipts join it)."""
    if database.in_transaction():
        return None
    if not is_postgres():
        return write_together(lambda: insert_received_in_transaction(incoming, raw_payload, now, actor))
    entry = audit_row(now, actor, "appeal.received", None, channel=incoming.channel,
                      external_id=incoming.external_id)
    try:
        return insert_linked(AppealRecord, _received_row(incoming, raw_payload, now), AuditRecord, entry,
                             link="appeal")
    except IntegrityError as exc:
        from psycopg.errors import UniqueViolation  # only PostgreSQL gets here

        original = (exc.__cause__, exc.__context__, *exc.args[:1])
        if any(isinstance(e, UniqueViolation) for e in original):  # the statement's one unique key: channel and id
            raise DuplicateAppeal(f"{incoming.channel}/{incoming.external_id}") from exc
        raise


def insert_received_in_transaction(incoming: IncomingAppeal, raw_payload: str, now: datetime, actor: str) -> int:
    """The appeal as it came and its audit line, inside the caller's transaction; returns its id."""
    appeal_id = insert_appeal(incoming, raw_payload, now)
    audit(now, actor, "appeal.received", appeal_id, channel=incoming.channel, external_id=incoming.external_id)
    return appeal_id


def _received_row(incoming: IncomingAppeal, raw_payload: str, now: datetime) -> dict:
    return {
        "channel": incoming.channel,
        "external_id": incoming.external_id,
        "raw_payload": raw_payload,
        "text": incoming.text,
        "author_name": incoming.author.name,
        "author_type": incoming.author.type,
        "author_contact": incoming.author.contact,
        "municipality": incoming.municipality,
        "address": incoming.address,
        "lat": incoming.lat,
        "long": incoming.long,
        "category": incoming.category,
        "subcategory": incoming.subcategory,
        "regime": incoming.effective_regime,
        "urgency": incoming.urgency,
        "fz59": incoming.fz59,
        "attachments": list(incoming.attachments),
        "author_id": incoming.author_id,
        "link": incoming.link,
        "status": "received",
        "received_at": incoming.received_at,
        "created_at": now,
        "updated_at": now,
        "next_routing_at": now,
    }


def list_appeals(*, filters: dict[str, str], after_id: int | None, limit: int) -> list[AppealRecord]:
    query = AppealRecord.select()
    for field in ("channel", "status", "body", "topic", "municipality", "priority", "policy"):
        if filters.get(field):
            query = query.where(getattr(AppealRecord, field) == filters[field])
    if after_id:
        query = query.where(AppealRecord.id < after_id)
    return list(query.order_by(AppealRecord.id.desc()).limit(min(limit, PAGE_LIMIT)))


def appeals_due_for_routing(now: datetime, limit: int = PAGE_LIMIT) -> list[int]:
    rows = (
        AppealRecord.select(AppealRecord.id)
        .where((AppealRecord.status == "received") & (AppealRecord.next_routing_at <= now))
        .order_by(AppealRecord.next_routing_at, AppealRecord.id)
        .limit(limit)
    )
    return [r.id for r in rows]


def routing_backlog(now: datetime) -> tuple[int, datetime | None]:
    """Appeals due for routing now, and the earliest moment one of them became due."""
    due = (AppealRecord.status == "received") & (AppealRecord.next_routing_at <= now)
    row = AppealRecord.select(fn.COUNT(AppealRecord.id), fn.MIN(AppealRecord.next_routing_at)).where(due).tuples()
    count, oldest = row.first()
    return count, AppealRecord.next_routing_at.python_value(oldest) if oldest is not None else None


def save_decision(appeal: AppealRecord, decision_dict: dict, now: datetime, reading_version: str | None = None):
    return create(DecisionRecord, decision_row(appeal, decision_dict, now, reading_version))


def decision_row(appeal, decision_dict: dict, now: datetime, reading_version: str | None = None) -> dict:
    """The decision record's columns (`appeal`: the record or its id). Its text is not stored: it is rendered
    from the explanation when read (engine.rulebook.model.explanation_text), which saves a third of the
    bytes a routed appeal writes for its decision."""
    return {
        "appeal": appeal,
        "ruleset_version": decision_dict["version"],
        "route_rule_id": decision_dict["route_rule_id"],
        "rule_ids": list(decision_dict["rule_ids"]),
        "body": decision_dict["body"],
        "role": decision_dict["role"],
        "policy": decision_dict["policy"],
        "priority": decision_dict["priority"],
        "topic": decision_dict.get("topic"),
        "tags": list(decision_dict.get("tags") or []),
        "fz59_special": decision_dict.get("fz59_special") or "",
        "reading_version": reading_version,
        "on_control": bool(decision_dict.get("control")),
        "explanation": decision_dict["explanation"],
        "explanation_text": "",
        "decided_at": now,
    }


def latest_decision(appeal_id: int) -> DecisionRecord | None:
    return (
        DecisionRecord.select()
        .where(DecisionRecord.appeal == appeal_id)
        .order_by(DecisionRecord.id.desc())
        .first()
    )


def save_assignment(appeal: AppealRecord, body: str, role: str, official: str | None, now: datetime):
    AssignmentRecord.update(ended_at=now).where(
        (AssignmentRecord.appeal == appeal) & AssignmentRecord.ended_at.is_null()
    ).execute()
    return create(AssignmentRecord, {"appeal": appeal, "body": body, "role": role, "official": official,
                                     "assigned_at": now})


def current_assignment(appeal_id: int) -> AssignmentRecord | None:
    return (
        AssignmentRecord.select()
        .where((AssignmentRecord.appeal == appeal_id) & AssignmentRecord.ended_at.is_null())
        .order_by(AssignmentRecord.id.desc())
        .first()
    )


def current_officials(appeal_ids) -> dict[int, str | None]:
    """For each of these appeals that has a current assignment, its official (None: a role
    nobody holds), as ``current_assignment`` gives it: one query for many appeals."""
    if not appeal_ids:
        return {}
    rows = (AssignmentRecord.select(AssignmentRecord.appeal, AssignmentRecord.official)
            .where(AssignmentRecord.appeal.in_(list(appeal_ids)) & AssignmentRecord.ended_at.is_null())
            .order_by(AssignmentRecord.id).tuples())
    return dict(rows.iterator())  # the latest assignment of an appeal comes last


def clocks_of(appeal_id: int) -> list[ClockRecord]:
    return list(ClockRecord.select().where(ClockRecord.appeal == appeal_id).order_by(ClockRecord.id))


def update_appeal(appeal: AppealRecord, now: datetime, **changes) -> None:
    changes["updated_at"] = now
    AppealRecord.update(**changes).where(AppealRecord.id == appeal.id).execute()
    for name, value in changes.items():
        setattr(appeal, name, value)


def audit(now: datetime, actor: str, action: str, appeal_id: int | None = None, **details) -> None:
    insert_row(AuditRecord, {"at": now, "actor": actor, "action": action, "appeal": appeal_id, "details": details})


def alert_acknowledgement(alert_id: int, appeal_id: int | None) -> AuditRecord | None:
    """The audit entry of the alert's acknowledgement (who, when), if any."""
    rows = AuditRecord.select().where((AuditRecord.action == "alert.acknowledged")
                                      & ((AuditRecord.appeal == appeal_id) if appeal_id is not None
                                         else AuditRecord.appeal.is_null()))
    return next((row for row in rows.order_by(AuditRecord.id) if row.details.get("alert") == alert_id), None)
def audit_row(now: datetime, actor: str, action: str, appeal_id: int | None = None, **details) -> dict:
    """The columns `audit` writes."""
    return {"at": now, "actor": actor, "action": action, "appeal": appeal_id, "details": details}


def audit_many(rows: list[dict]) -> None:
    """Many audit rows (of `audit_row`) in multi-row statements."""
    insert_values(AuditRecord, rows)


def audit_trail(appeal_id: int) -> list[AuditRecord]:
    return list(AuditRecord.select().where(AuditRecord.appeal == appeal_id).order_by(AuditRecord.id))


def incoming_from(record: AppealRecord) -> IncomingAppeal:
    """Rebuild the normalised appeal from its stored row (for routing and re-routing)."""
    return IncomingAppeal(
        channel=record.channel,
        external_id=record.external_id,
        text=record.text,
        received_at=record.received_at,
        author=Author(name=record.author_name, type=record.author_type, contact=record.author_contact),
        municipality=record.municipality,
        address=record.address,
        lat=record.lat,
        long=record.long,
        category=record.category,
        subcategory=record.subcategory,
        fz59=record.fz59,
        urgency=record.urgency,
        regime=record.regime,
        attachments=tuple(record.attachments or ()),
        author_id=record.author_id,
        link=record.link,
    )
