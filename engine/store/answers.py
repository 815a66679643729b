"""Officials' answers to the author: drafts under the centre's review, returned drafts, published answers."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from .models import AnswerRecord, AppealRecord
from .statements import create


def add_answer(appeal: AppealRecord, kind: str, text: str, *, status: str, written_by: str, now: datetime,
               body: str | None) -> AnswerRecord:
    return create(AnswerRecord, {"appeal": appeal, "kind": kind, "text": text, "status": status,
                                 "written_by": written_by, "written_at": now, "body": body})


def answer_under_review(appeal_id: int) -> AnswerRecord | None:
    return (AnswerRecord.select()
            .where((AnswerRecord.appeal == appeal_id) & (AnswerRecord.status == "review"))
            .order_by(AnswerRecord.id.desc()).first())


def answers_of(appeal_id: int) -> list[AnswerRecord]:
    return list(AnswerRecord.select().where(AnswerRecord.appeal == appeal_id).order_by(AnswerRecord.id))


def mark_published(answer: AnswerRecord, text: str, now: datetime, *, reviewed_by: str | None = None) -> None:
    changes = {"status": "published", "published_text": text, "published_at": now}
    if reviewed_by is not None:
        changes.update(reviewed_by=reviewed_by, reviewed_at=now)
    _update(answer, changes)


def mark_returned(answer: AnswerRecord, remarks: str, reviewed_by: str, now: datetime) -> None:
    _update(answer, {"status": "returned", "remarks": remarks, "reviewed_by": reviewed_by, "reviewed_at": now})


def _update(answer: AnswerRecord, changes: dict) -> None:
    AnswerRecord.update(**changes).where(AnswerRecord.id == answer.id).execute()
    for name, value in changes.items():
        setattr(answer, name, value)


def returned_by_body(start: datetime, end: datetime, bodies: frozenset[str] | None) -> dict[str, int]:
    """Answers the centre returned for rework in [start, end), by the body that wrote them."""
    query = (AnswerRecord.select(AnswerRecord.body, fn.COUNT(AnswerRecord.id))
             .where((AnswerRecord.status == "returned") & (AnswerRecord.reviewed_at >= start)
                    & (AnswerRecord.reviewed_at < end)))
    if bodies is not None:
        query = query.where(AnswerRecord.body.in_(list(bodies)))
    return {body or "—": count for body, count in query.group_by(AnswerRecord.body).tuples()}


def reviewed_by_body(start: datetime, end: datetime, bodies: frozenset[str] | None) -> dict[str, int]:
    """Drafts the centre reviewed (approved or returned) in [start, end), by the body that wrote them."""
    query = (AnswerRecord.select(AnswerRecord.body, fn.COUNT(AnswerRecord.id))
             .where(AnswerRecord.status.in_(("published", "returned")) & AnswerRecord.reviewed_at.is_null(False)
                    & (AnswerRecord.reviewed_at >= start)
                    & (AnswerRecord.reviewed_at < end)))
    if bodies is not None:
        query = query.where(AnswerRecord.body.in_(list(bodies)))
    return {body or "—": count for body, count in query.group_by(AnswerRecord.body).tuples()}


def mark_withdrawn(answer: AnswerRecord, actor: str, now: datetime) -> None:
    _update(answer, {"status": "withdrawn", "reviewed_by": actor, "reviewed_at": now})


def drafts_under_review(bodies: frozenset[str] | None, limit: int = 200) -> list[AnswerRecord]:
    """Drafts waiting for the centre's review, the longest waiting first, with their appeals (``answer.appeal``)."""
    query = (AnswerRecord.select(AnswerRecord, AppealRecord).join(AppealRecord)
             .where((AnswerRecord.status == "review") & (AppealRecord.status == "answer_review")))
    if bodies is not None:
        query = query.where(AppealRecord.body.in_(sorted(bodies)) if bodies else AppealRecord.id < 0)
    return list(query.order_by(AnswerRecord.written_at, AnswerRecord.id).limit(limit))


def get_answer(answer_id: int) -> AnswerRecord | None:
    return AnswerRecord.get_or_none(AnswerRecord.id == answer_id)
