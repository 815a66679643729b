"""Appeals related to one: the same author on the same topic (repeats), the same topic and place (clusters)."""

from __future__ import annotations

from datetime import datetime

from peewee import Value, fn

from engine.classify import Neighbour

from .models import AppealRecord

LIMIT = 500


def _neighbours(query) -> list[Neighbour]:
    rows = query.select(AppealRecord.id, AppealRecord.author_id, AppealRecord.received_at).limit(LIMIT)
    return [Neighbour(r.id, r.author_id, r.received_at) for r in rows]


def same_author(appeal_id: int, author_id: str, topic: str, since: datetime, until: datetime) -> list[Neighbour]:
    """Routed appeals of the author on the topic received in [since, until], other than this one."""
    return _neighbours(
        AppealRecord.select().where(
            (AppealRecord.author_id == author_id)
            & (AppealRecord.topic == topic)
            & (AppealRecord.received_at >= since)
            & (AppealRecord.received_at <= until)
            & (AppealRecord.id != appeal_id)
        ).order_by(AppealRecord.received_at, AppealRecord.id)
    )


def authors_in_place(appeal_id: int, topic: str, municipality: str, since: datetime, until: datetime,
                     *, enough: int, author_id: str | None = None) -> list[str]:
    """Distinct authors (an appeal without one counts as its own author) of appeals on the topic in the
    municipality received in [since, until], other than this one and than its author `author_id`; at
    most `enough` of them (so the count does not depend on which ones the database finds first)."""
    who = fn.COALESCE(AppealRecord.author_id, Value("appeal:").concat(AppealRecord.id.cast("text")))
    where = ((AppealRecord.topic == topic)
             & (AppealRecord.municipality == municipality)
             & (AppealRecord.received_at >= since)
             & (AppealRecord.received_at <= until)
             & (AppealRecord.id != appeal_id))
    if author_id is not None:
        where &= AppealRecord.author_id.is_null() | (AppealRecord.author_id != author_id)
    rows = (
        AppealRecord.select(who.alias("who"))
        .where(where)
        .distinct()
        .limit(enough)
        .tuples()
    )
    return [r[0] for r in rows]
