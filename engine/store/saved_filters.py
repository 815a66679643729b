"""Saved searches of the appeal list, each owned by one staff member."""

from __future__ import annotations

from datetime import datetime

from .models import SavedFilterRecord
from .statements import insert_unless_conflict

LIMIT_PER_OWNER = 50


def filters_of(owner: str) -> list[SavedFilterRecord]:
    return list(SavedFilterRecord.select().where(SavedFilterRecord.owner == owner)
                .order_by(SavedFilterRecord.name).limit(LIMIT_PER_OWNER))


def count_of(owner: str) -> int:
    return SavedFilterRecord.select().where(SavedFilterRecord.owner == owner).count()


def save(owner: str, name: str, query: dict, now: datetime) -> SavedFilterRecord:
    """Keep `query` under `name`; a filter of that name already kept is replaced."""
    updated = (SavedFilterRecord.update(query=query, created_at=now)
               .where((SavedFilterRecord.owner == owner) & (SavedFilterRecord.name == name)).execute())
    if not updated:
        insert_unless_conflict(SavedFilterRecord, {"owner": owner, "name": name, "query": query, "created_at": now},
                               conflict=("owner", "name"))
    return SavedFilterRecord.get((SavedFilterRecord.owner == owner) & (SavedFilterRecord.name == name))


def delete(owner: str, filter_id: int) -> bool:
    return bool(SavedFilterRecord.delete().where((SavedFilterRecord.id == filter_id)
                                                 & (SavedFilterRecord.owner == owner)).execute())
