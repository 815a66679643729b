"""Finding the appeal a resident's message continues: by our reply it answers, by the author's own earlier
message, or among the author's appeals from the same private chat; and when the body finished an appeal."""

from __future__ import annotations

from datetime import datetime

from engine.domain.vocabulary import FINISHED_STATUSES

from .models import AppealRecord, AuditRecord, AuthorMessageRecord
from .row_statements import first_id_where

CONVERSATION_LIMIT = 50


def replied_to(channel: str, route: str,
               platform_ids: tuple[str, ...]) -> list[tuple[AuthorMessageRecord, AppealRecord]]:
    """Our replies sent on ``route`` with one of these platform ids, to appeals of ``channel``, with their appeals
    (served by the (route, platform_id) index of m0016)."""
    if not platform_ids:
        return []
    rows = (AuthorMessageRecord.select(AuthorMessageRecord, AppealRecord)
            .join(AppealRecord, on=(AuthorMessageRecord.appeal == AppealRecord.id))
            .where((AuthorMessageRecord.route == route) & AuthorMessageRecord.platform_id.in_(list(platform_ids))
                   & (AuthorMessageRecord.direction == "out") & (AppealRecord.channel == channel))
            .order_by(AuthorMessageRecord.id.desc()))
    return [(row, row.appeal) for row in rows]


def appeals_of_author_in(channel: str, author_id: str, prefix: str, *, active_since: datetime) -> list[AppealRecord]:
    """The author's appeals on ``channel`` whose external id starts with ``prefix`` (one private chat),
    newest first, leaving out those last changed before ``active_since`` (finished long ago): their id,
    external id, status and topic. A first message from an author costs one cached look-up."""
    if first_id_where(AppealRecord, channel=channel, author_id=author_id) is None:
        return []
    rows = (AppealRecord.select(AppealRecord.id, AppealRecord.external_id, AppealRecord.status, AppealRecord.topic)
            .where((AppealRecord.channel == channel) & (AppealRecord.author_id == author_id)
                   & (AppealRecord.status.not_in(FINISHED_STATUSES) | (AppealRecord.updated_at >= active_since)))
            .order_by(AppealRecord.received_at.desc(), AppealRecord.id.desc())
            .limit(CONVERSATION_LIMIT))
    return [row for row in rows if row.external_id.startswith(prefix)]  # not LIKE: "_" is its wildcard


def finished_at(appeal_id: int) -> datetime | None:
    """When the body last finished the appeal (an action took it from an open to a finished status:
    answered, rejected); None when it never was."""
    rows = (AuditRecord.select(AuditRecord.at, AuditRecord.details)
            .where((AuditRecord.appeal == appeal_id) & AuditRecord.action.startswith("appeal."))
            .order_by(AuditRecord.id.desc()))
    for row in rows:
        details = row.details or {}
        if details.get("status") in FINISHED_STATUSES and details.get("status_before") not in FINISHED_STATUSES:
            return row.at
    return None
