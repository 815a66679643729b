"""Rule versions: the full rules folder of each published version, and which one is active.

A version is immutable (content, hash, author, comment, time, parent). Activations are an
append-only log: the active version is the one activated last, so publish and rollback both
just add an activation with who, when and why.
"""

from __future__ import annotations

from datetime import datetime

from peewee import AutoField, CharField, ForeignKeyField, IntegrityError, TextField

from .db import database
from .models import BaseModel, JSONField, UTCDateTimeField


class RuleVersionRecord(BaseModel):
    id = AutoField()
    files_hash = CharField(max_length=64, index=True)
    rules_version = CharField(max_length=64)  # the rulebook's own version (hash of the rule files)
    files = JSONField()  # relative path → YAML text
    author = CharField()
    comment = TextField()
    created_at = UTCDateTimeField()
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")


class RuleActivationRecord(BaseModel):
    id = AutoField()
    version = ForeignKeyField(RuleVersionRecord, backref="activations", on_delete="CASCADE")
    action = CharField(max_length=16)  # "publish" | "rollback"
    actor = CharField()
    reason = TextField()
    at = UTCDateTimeField(index=True)


TABLES = (RuleVersionRecord, RuleActivationRecord)


def create_version(files: dict, files_hash: str, rules_version: str, author: str, comment: str,
                   parent_id: int | None, now: datetime, *, version_id: int | None = None) -> RuleVersionRecord:
    """A new version; ``version_id`` only for version 0, the rules folder adopted at the first start."""
    fields = {"id": version_id} if version_id is not None else {}
    return RuleVersionRecord.create(files_hash=files_hash, rules_version=rules_version, files=files,
                                    author=author, comment=comment, created_at=now, parent=parent_id, **fields)


def create_first_version(files: dict, files_hash: str, rules_version: str, author: str, comment: str,
                         now: datetime, version_id: int) -> RuleVersionRecord | None:
    """The first version, with a given id, activated; None when another process stored it first."""
    try:
        with database.atomic():
            record = create_version(files, files_hash, rules_version, author, comment, None, now,
                                    version_id=version_id)
            activate(record.id, "initial", author, comment, now)
    except IntegrityError:
        return None
    return record


def any_version() -> bool:
    return RuleVersionRecord.select(RuleVersionRecord.id).exists()


def activate(version_id: int, action: str, actor: str, reason: str, now: datetime) -> RuleActivationRecord:
    return RuleActivationRecord.create(version=version_id, action=action, actor=actor, reason=reason, at=now)


def get_version(version_id: int) -> RuleVersionRecord | None:
    return RuleVersionRecord.get_or_none(RuleVersionRecord.id == version_id)


def active_activation() -> RuleActivationRecord | None:
    return RuleActivationRecord.select().order_by(RuleActivationRecord.id.desc()).first()


def active_version() -> RuleVersionRecord | None:
    row = active_activation()
    return row.version if row else None


def active_pointer() -> tuple[int, str] | None:
    """(version id, files hash) of the active version, cheaply and without disturbing an open
    transaction: the query runs in a savepoint and a missing table reads as "no version"."""
    try:
        with database.atomic():
            row = (RuleActivationRecord.select(RuleActivationRecord.version, RuleVersionRecord.files_hash)
                   .join(RuleVersionRecord).order_by(RuleActivationRecord.id.desc()).tuples().first())
    except Exception:  # the table is not there yet (migrations not applied) or the database is down
        return None
    return (row[0], row[1]) if row else None


def list_versions(limit: int = 100, before_id: int | None = None) -> list[RuleVersionRecord]:
    query = RuleVersionRecord.select(RuleVersionRecord.id, RuleVersionRecord.files_hash,
                                     RuleVersionRecord.rules_version, RuleVersionRecord.author,
                                     RuleVersionRecord.comment, RuleVersionRecord.created_at,
                                     RuleVersionRecord.parent)
    if before_id:
        query = query.where(RuleVersionRecord.id < before_id)
    return list(query.order_by(RuleVersionRecord.id.desc()).limit(limit))


def activations(limit: int = 100) -> list[RuleActivationRecord]:
    return list(RuleActivationRecord.select().order_by(RuleActivationRecord.id.desc()).limit(limit))


# ------------------------------------------------------------------ backtest input


def appeals_since(since: datetime, *, page: int = 2000, limit: int | None = None):
    """Stored appeals received since ``since`` (oldest first) with the version and route rule
    of their latest decision, read in pages of ``page`` rows: ``(record, decision or None)``."""
    from .models import AppealRecord, DecisionRecord

    last_id, seen = 0, 0
    while limit is None or seen < limit:
        size = page if limit is None else min(page, limit - seen)
        rows = list(AppealRecord.select().where((AppealRecord.received_at >= since) & (AppealRecord.id > last_id))
                    .order_by(AppealRecord.id).limit(size))
        if not rows:
            return
        latest: dict[int, DecisionRecord] = {}
        for d in (DecisionRecord.select().where(DecisionRecord.appeal.in_([r.id for r in rows]))
                  .order_by(DecisionRecord.id)):
            latest[d.appeal_id] = d
        for r in rows:
            yield r, latest.get(r.id)
        last_id, seen = rows[-1].id, seen + len(rows)
