"""Replies to residents as the administrator sees them: the dead ones with their reason in Russian, and
sending a dead one again once its cause is fixed (a new channel token, a corrected address).

A reply sent again keeps its idempotency key, so a platform that took it after all drops the repeat."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.store import appeals as store
from engine.store import author_messages
from engine.store.db import write_transaction

from .conversation import message_view

if TYPE_CHECKING:
    from engine.runtime import Runtime

REPLY_STATUSES = ("pending", "sent", "dead", "manual", "cancelled")  # an outgoing reply's delivery states


class ReplyNotFound(LookupError):
    pass


class ReplyNotDead(ValueError):
    """Only a dead reply is sent again."""


def list_replies(rt: Runtime, *, status: str | None, appeal_id: int | None, before: int | None,
                 limit: int) -> list[dict]:
    zone = ZoneInfo(rt.policy_set.directory.timezone)
    rows = author_messages.list_outgoing(status=status, appeal_id=appeal_id, before_id=before, limit=limit)
    return [reply_view(m, zone) for m in rows]


def reply_view(message, zone: ZoneInfo) -> dict:
    view = message_view(message, zone, None)
    view.update({"appeal_id": message.appeal_id, "error": message.last_error,
                 "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None})
    return view


def send_again(rt: Runtime, message_id: int, *, actor: str) -> dict:
    now = rt.now()
    with write_transaction():
        message = author_messages.get_outgoing(message_id)
        if message is None:
            raise ReplyNotFound(message_id)
        if not author_messages.requeue(message_id, now):
            raise ReplyNotDead(f"сообщение №{message_id} не отправлено повторно: его состояние — "
                               f"«{message_view(message, ZoneInfo('UTC'), None)['status_title']}», "
                               "повторно отправляется только недоставленное")
        store.audit(now, actor, "reply.requeued", message.appeal_id, message=message_id, message_kind=message.kind,
                    route=message.route, error=message.last_error)
        message = author_messages.get_outgoing(message_id)
    return reply_view(message, ZoneInfo(rt.policy_set.directory.timezone))
