"""Stored appeals for a backtest: only the columns a decision needs, as plain rows, page by page.

A page is two queries (the appeals, then the latest decision of each), whatever its size; rows
are picklable named tuples, so pages can be handed to other processes. ``incoming_from``
accepts an ``AppealRow`` as it accepts a model instance.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from .models import AppealRecord, DecisionRecord

_APPEAL_COLUMNS = (
    "id", "channel", "external_id", "text", "received_at", "registered_at", "author_name", "author_type",
    "author_contact", "municipality", "address", "lat", "long", "category", "subcategory", "fz59", "urgency",
    "regime", "attachments", "author_id", "link", "repeat_of",
)
_DECISION_COLUMNS = ("ruleset_version", "body", "role", "policy", "priority", "route_rule_id", "topic", "tags",
                     "fz59_special", "reading_version", "rule_ids")


class AppealRow(NamedTuple):
    id: int
    channel: str
    external_id: str
    text: str
    received_at: datetime
    registered_at: datetime | None
    author_name: str | None
    author_type: str
    author_contact: str | None
    municipality: str | None
    address: str | None
    lat: float | None
    long: float | None
    category: str | None
    subcategory: str | None
    fz59: bool
    urgency: str
    regime: str
    attachments: list
    author_id: str | None
    link: str | None
    repeat_of: int | None


class StoredDecision(NamedTuple):
    ruleset_version: str
    body: str
    role: str
    policy: str
    priority: str
    route_rule_id: str
    topic: str | None
    tags: list | None
    fz59_special: str | None  # "" none, None unknown (decided before it was recorded)
    reading_version: str | None  # PolicySet.reading_id when decided; None unknown
    rule_ids: list | None  # the fired rules (and table rows), as Decision.rule_ids


def count_since(since: datetime) -> int:
    return AppealRecord.select().where(AppealRecord.received_at >= since).count()


def pages_since(since: datetime, *, page: int = 2000,
                limit: int | None = None) -> Iterator[list[tuple[AppealRow, StoredDecision | None]]]:
    """Appeals received since ``since``, oldest id first, with their latest decision, ``page`` at a time."""
    appeal_fields = [getattr(AppealRecord, c) for c in _APPEAL_COLUMNS]
    decision_fields = [DecisionRecord.appeal, *(getattr(DecisionRecord, c) for c in _DECISION_COLUMNS)]
    last_id, seen = 0, 0
    while limit is None or seen < limit:
        size = page if limit is None else min(page, limit - seen)
        rows = [AppealRow(*r) for r in AppealRecord.select(*appeal_fields)
                .where((AppealRecord.received_at >= since) & (AppealRecord.id > last_id))
                .order_by(AppealRecord.id).limit(size).tuples()]
        if not rows:
            return
        latest: dict[int, StoredDecision] = {}
        for appeal_id, *values in (DecisionRecord.select(*decision_fields)
                                   .where(DecisionRecord.appeal.in_([r.id for r in rows]))
                                   .order_by(DecisionRecord.id).tuples()):
            latest[appeal_id] = StoredDecision(*values)
        yield [(r, latest.get(r.id)) for r in rows]
        last_id, seen = rows[-1].id, seen + len(rows)
