"""Who hears of the centre's review of answers: the curator (the directory's global role) that an answer
waits for approval, and the executor that theirs was returned with remarks. Alerts through the outbox,
in the action's transaction, once per answer (the idempotency key names it); the directory resolves the
role at that moment (deputies, absences, vacancies), and quiet hours apply as for other routine alerts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.store import appeals as store
from engine.wording.review import returned_alert, review_alert

from .notify import deliver_from, enqueue_for, local_day

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

REVIEWER_ROLE = "curator"
REVIEW_LEVEL = "answer-review"
RETURNED_LEVEL = "answer-returned"


def tell_reviewer(rt: Runtime, appeal, draft, now: datetime) -> bool:
    return _tell(rt, appeal, draft, now, role=REVIEWER_ROLE, level=REVIEW_LEVEL, texts=review_alert)


def tell_executor(rt: Runtime, appeal, draft, now: datetime) -> bool:
    return _tell(rt, appeal, draft, now, role=appeal.role or "executor", level=RETURNED_LEVEL, texts=returned_alert)


def _tell(rt: Runtime, appeal, draft, now: datetime, *, role: str, level: str, texts) -> bool:
    directory = rt.policy_set.directory
    resolution = directory.resolve_for_alert(role, body=appeal.body, sector=appeal.topic, day=local_day(rt, now))
    if resolution is None or not resolution.official.channels:
        store.audit(now, "system", "alert.no_recipient", appeal.id, level=level, role=role)
        log.warning("appeal %s: %s: nobody can take role %s", appeal.id, level, role)
        return False
    official = resolution.official
    subject, body = texts(appeal, draft, resolution, timezone=directory.timezone, labels=rt.policy_set.labels,
                          page=f"{rt.settings.public_url}/appeals/{appeal.id}")
    written = enqueue_for(rt, official, key=f"appeal:{appeal.id}:{level}:{draft.id}", now=now,
                          not_before=deliver_from(rt, official, now, urgent=False), appeal=appeal.id, clock=None,
                          level=level, role=resolution.role, subject=subject, body=body)
    if written:
        store.audit(now, "system", "alert.pending", appeal.id, level=level, role=resolution.role, requested_role=role,
                    recipient=official.id, deputy_for=resolution.holder.id if resolution.deputy else None,
                    vacant=list(resolution.vacant))
    return bool(written)
