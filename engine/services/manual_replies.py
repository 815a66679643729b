"""«Опубликовано вручную»: an operator posted a reply task's text by hand (a comment on a VK wall our
community cannot write on, reached through the appeal's link) and records who did it and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.store import appeals as appeal_store
from engine.store import manual_replies as store
from engine.store.db import write_transaction

if TYPE_CHECKING:
    from engine.runtime import Runtime

ROLES = ("curator", "admin")  # the centre's operators, who see every appeal


class TaskRefused(ValueError):
    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def published_by_hand(rt: Runtime, message_id: int, *, actor: str, link: str | None = None) -> dict:
    """Mark the reply task published now by ``actor`` (audited ``reply.published_by_hand``)."""
    now: datetime = rt.now()
    with write_transaction():
        row = store.get(message_id)
        if row is None:
            raise TaskRefused(f"ответа {message_id} нет", missing=True)
        if row.status != "manual" or not store.mark_published(message_id, now, by=actor, platform_id=link):
            raise TaskRefused("это не ожидающая задача на ручную публикацию"
                              + (" (уже опубликовано)" if row.status == "sent" else ""))
        appeal_store.audit(now, actor, "reply.published_by_hand", row.appeal_id, message=message_id,
                           message_kind=row.kind)
    return {"id": message_id, "appeal_id": row.appeal_id, "status": "sent", "published_by": actor,
            "published_at": now.isoformat()}
