"""Channel events already handled (VK event_id, Telegram update_id) and what channels later did to an appeal.

A channel that retries delivers the same event again; the first one to be recorded wins and the
others are acknowledged without effect. Edits and deletions in the channel never touch the
appeal's original text: each one is a revision row beside it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from peewee import AutoField, CharField, ForeignKeyField, IntegrityError, TextField

from .models import AppealRecord, BaseModel, JSONField, UTCDateTimeField


class ChannelEventRecord(BaseModel):
    id = AutoField()
    channel = CharField(max_length=64)
    event_key = CharField(max_length=200)
    event_type = CharField(max_length=64)
    received_at = UTCDateTimeField()

    class Meta:
        indexes = ((("channel", "event_key"), True),)


class AppealRevisionRecord(BaseModel):
    """An edit or a deletion of the appeal's original in its channel."""

    id = AutoField()
    appeal = ForeignKeyField(AppealRecord, backref="revisions", on_delete="CASCADE")
    kind = CharField(max_length=16)  # "edited" | "deleted"
    text = TextField(null=True)  # the new text of an edit
    details = JSONField(default=dict)
    at = UTCDateTimeField()


TABLES = (ChannelEventRecord, AppealRevisionRecord)


class EventSeen(Exception):
    pass


def _storable(value: str, limit: int) -> str:
    """Channel-supplied ids as the column can hold them: no NUL (PostgreSQL refuses it), and an
    over-long id replaced by its digest so two different ids never collide by truncation."""
    value = value.replace("\x00", "")
    if len(value) > limit:
        value = "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return value


def event_seen(channel: str, event_key: str) -> bool:
    event_key = _storable(event_key, 200)
    query = ChannelEventRecord.select(ChannelEventRecord.id).where(
        (ChannelEventRecord.channel == channel) & (ChannelEventRecord.event_key == event_key)
    )
    return query.exists()


def record_event(channel: str, event_key: str, event_type: str, now: datetime) -> None:
    """Remember an event; raises EventSeen when another request recorded it first."""
    event_key, event_type = _storable(event_key, 200), event_type.replace("\x00", "")
    try:
        with ChannelEventRecord._meta.database.atomic():  # a savepoint: the outer transaction survives
            ChannelEventRecord.create(channel=channel, event_key=event_key, event_type=event_type[:64],
                                      received_at=now)
    except IntegrityError as exc:
        raise EventSeen(f"{channel}/{event_key}") from exc


def add_revision(appeal_id: int, kind: str, text: str | None, details: dict, now: datetime):
    text = text.replace("\x00", "") if text else text
    return AppealRevisionRecord.create(appeal=appeal_id, kind=kind, text=text, details=details, at=now)
