"""Saved filters: a staff member keeps searches of the appeal list under names of their own
(«мои просроченные») and opens them again from the queue page or through the API. Each one belongs
to the caller who saved it (their login, or their token); nobody else sees or deletes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.store import saved_filters as store
from engine.store.db import write_transaction

from .access import Caller
from .views import iso

if TYPE_CHECKING:
    from engine.runtime import Runtime

MAX_FILTERS = store.LIMIT_PER_OWNER
NAME_CHARS = 100


class SavedFilterRefused(ValueError):
    """The filter cannot be kept (its name, or too many already); the message is Russian."""


class SavedFilterNotFound(LookupError):
    pass


def filter_view(record) -> dict:
    return {"id": record.id, "name": record.name, "query": record.query, "saved_at": iso(record.created_at)}


def my_filters(caller: Caller) -> list[dict]:
    return [filter_view(r) for r in store.filters_of(caller.actor)]


def save_filter(rt: Runtime, caller: Caller, name: str, query: dict[str, str]) -> dict:
    """Keep `query` (the list's parameters, already checked) as `name`; the same name replaces it."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_CHARS:
        raise SavedFilterRefused(f"название фильтра: от 1 до {NAME_CHARS} символов")
    kept = {k: str(v) for k, v in sorted(query.items()) if k not in ("page", "cursor") and str(v) != ""}
    with write_transaction():
        if store.count_of(caller.actor) >= MAX_FILTERS and name not in {f.name for f in store.filters_of(caller.actor)}:
            raise SavedFilterRefused(f"сохранено уже {MAX_FILTERS} фильтров; удалите ненужные")
        return filter_view(store.save(caller.actor, name, kept, rt.now()))


def delete_filter(caller: Caller, filter_id: int) -> None:
    with write_transaction():
        if not store.delete(caller.actor, filter_id):
            raise SavedFilterNotFound(filter_id)
