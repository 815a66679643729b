"""Reply tasks: an outgoing message with the ``manual`` route that an operator posts by hand (a comment
on a VK wall our community cannot write on) and then marks published."""

from __future__ import annotations

from datetime import datetime

from .models import AuthorMessageRecord


def get(message_id: int) -> AuthorMessageRecord | None:
    return AuthorMessageRecord.get_or_none((AuthorMessageRecord.id == message_id)
                                           & (AuthorMessageRecord.direction == "out"))


def mark_published(message_id: int, now: datetime, *, by: str, platform_id: str | None) -> bool:
    """The task is done: status ``sent`` with when and who; False when it was not a waiting task."""
    row = get(message_id)
    if row is None or row.status != "manual":
        return False
    details = dict(row.details or {}) | {"published_by_hand": {"by": by, "at": now.isoformat()}}
    return bool(AuthorMessageRecord.update(status="sent", sent_at=now, platform_id=platform_id, details=details)
                .where((AuthorMessageRecord.id == message_id) & (AuthorMessageRecord.status == "manual"))
                .execute())
