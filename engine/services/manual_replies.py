"""«Опубликовано вручную»: an operator posted a reply task's text by hand (a comment on a VK wall our
community cannot write on, reached through the appeal's link) and records who did it and when.

A task that carries the answer of an appeal on control (engine.services.review.publish_answer left its
clocks running) makes the answer count at that moment: the clocks stop and the status moves on exactly
as at an automatic publication (``review.answer_took_effect``). An acknowledgement or a notice posted by
hand stops nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.store import answers as answer_store
from engine.store import appeals as appeal_store
from engine.store import manual_replies as store
from engine.store.db import write_transaction

from .review import HAND_PUBLISHED_ANSWER, answer_took_effect

if TYPE_CHECKING:
    from engine.runtime import Runtime

ROLES = ("curator", "admin")  # the centre's operators, who see every appeal
CLOCK_SKEW = timedelta(minutes=1)  # a «when» this far ahead of our clock is taken as now


class TaskRefused(ValueError):
    def __init__(self, message: str, *, missing: bool = False, invalid: bool = False):
        super().__init__(message)
        self.missing = missing
        self.invalid = invalid


def published_by_hand(rt: Runtime, message_id: int, *, actor: str, link: str | None = None,
                      at: datetime | None = None) -> dict:
    """Mark the reply task published by ``actor`` at ``at`` (now when not given; audited
    ``reply.published_by_hand``); the answer it carries counts from that moment."""
    now: datetime = rt.now()
    with write_transaction():
        row = store.get(message_id)
        if row is None:
            raise TaskRefused(f"ответа {message_id} нет", missing=True)
        when = _moment(at, now, row.created_at)
        appeal = appeal_store.get_appeal(row.appeal_id, for_update=True)
        if row.status != "manual" or not store.mark_published(message_id, when, by=actor, platform_id=link):
            raise TaskRefused("это не ожидающая задача на ручную публикацию"
                              + (" (уже опубликовано)" if row.status == "sent" else ""))
        appeal_store.audit(now, actor, "reply.published_by_hand", row.appeal_id, message=message_id,
                           message_kind=row.kind, published_at=when.isoformat(), **({"link": link} if link else {}))
        result = {"id": message_id, "appeal_id": row.appeal_id, "status": "sent", "published_by": actor,
                  "published_at": when.isoformat()}
        answer_id = (row.details or {}).get(HAND_PUBLISHED_ANSWER)
        record = answer_store.get_answer(answer_id) if answer_id else None
        # an appeal that left the wait another way (rejected meanwhile) keeps its state and clocks
        if record is not None and appeal is not None and appeal.status == "answer_review":
            took = answer_took_effect(rt, appeal, record, actor, when, reviewed_by=record.reviewed_by)
            result |= {"answer_id": record.id, "appeal_status": appeal.status, **took}
    return result


def _moment(at: datetime | None, now: datetime, created_at: datetime) -> datetime:
    """When the operator says the text was posted: not ahead of now, not before the task existed."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise TaskRefused("время публикации — с часовым поясом, например 2026-12-01T10:30:00+07:00", invalid=True)
    if at > now + CLOCK_SKEW:
        raise TaskRefused("время публикации ещё не наступило", invalid=True)
    if at < created_at:
        raise TaskRefused("время публикации раньше, чем появилась задача", invalid=True)
    return min(at, now)
