"""Searching the caller's appeals: words of the text, address or author (Russian, every form of a
word), an appeal's number or the author's contact, with filters, a sort order and pages.

The staff queue page, ``GET /api/v1/appeals`` and the exports all describe a search with one
``AppealSearch``; the caller's scope (engine.services.access.visible_bodies) always applies.

On SQLite an appeal's words are indexed when it is routed; the appeals stored and not routed yet (at most
engine.store.search.UNROUTED_LIMIT, the newest) are read here and matched word for word in the same way, so an
appeal is found by its words as soon as it is stored, and the webhook that stores it writes nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.classify.search_terms import document_terms, query_terms
from engine.domain.vocabulary import FINISHED_STATUSES, UNFINISHED_STATUSES
from engine.store import appeal_lists
from engine.store import search as search_index

from .access import Caller, visible_bodies, visible_sectors

if TYPE_CHECKING:
    from engine.runtime import Runtime

FILTERS = appeal_lists.FIELDS  # channel, status, body, topic, municipality, priority, policy
SORTS = appeal_lists.SORTS
PAGE_LIMIT = appeal_lists.PAGE_LIMIT
STATUS_GROUPS = {"open": UNFINISHED_STATUSES, "closed": FINISHED_STATUSES}  # besides each status by itself
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class AppealSearch:
    q: str = ""
    filters: dict = field(default_factory=dict)
    overdue: bool = False
    on_control: bool | None = None  # answers checked by the centre before publication; None: either
    at_risk_hours: int | None = None  # a running clock due within so many hours
    received_from: datetime | None = None
    received_to: datetime | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = 50
    cursor: int | None = None  # newest first: continue after this appeal (instead of `page`)


@dataclass(frozen=True)
class SearchResult:
    items: list  # (AppealRecord, nearest running due time or None)
    total: int
    page: int
    pages: int
    next_cursor: int | None


def store_query(rt: Runtime, caller: Caller, search: AppealSearch) -> appeal_lists.AppealQuery:
    now = rt.now()
    filters = {k: v for k, v in search.filters.items() if k in FILTERS and v}
    statuses = STATUS_GROUPS.get(filters.get("status", ""))
    if statuses is not None:
        del filters["status"]
    text = search.q.strip()[:MAX_QUERY_CHARS] or None
    terms = query_terms(text or "")
    bodies = visible_bodies(caller, rt.policy_set.directory)
    return appeal_lists.AppealQuery(
        filters=filters, bodies=bodies, sectors=visible_sectors(caller),
        overdue=search.overdue, on_control=search.on_control,
        at_risk_until=now + timedelta(hours=search.at_risk_hours) if search.at_risk_hours is not None else None,
        received_from=search.received_from, received_to=search.received_to, now=now, statuses=statuses,
        text=text, terms=tuple(tuple(t) for t in terms),
        unrouted=unrouted_matching(terms) if terms and bodies is None else (),  # the scoped see no unrouted appeal
    )


def unrouted_matching(terms: list[list[str]]) -> tuple[int, ...]:
    """The appeals not routed yet whose text, address or author's name hold every word (any of its forms), as
    the index would find them; none on PostgreSQL, whose index holds them already."""
    found = []
    for appeal_id, *parts in search_index.unrouted():
        words = _unrouted_terms(appeal_id, parts)
        if all(not words.isdisjoint(alternatives) for alternatives in terms):
            found.append(appeal_id)
    return tuple(found)


_terms_of_unrouted: dict[tuple[int, int], frozenset[str]] = {}  # (id, hash of its words' sources) → terms


def _unrouted_terms(appeal_id: int, parts: list) -> frozenset[str]:
    """An unrouted appeal's terms, read once while it waits (a search in a routing backlog reads thousands)."""
    key = (appeal_id, hash(tuple(parts)))
    terms = _terms_of_unrouted.get(key)
    if terms is None:
        if len(_terms_of_unrouted) >= 2 * search_index.UNROUTED_LIMIT:
            _terms_of_unrouted.clear()
        terms = _terms_of_unrouted[key] = frozenset(document_terms(*parts))
    return terms


def search_appeals(rt: Runtime, caller: Caller, search: AppealSearch) -> SearchResult:
    """One page of what the search finds among the caller's appeals, and how many it finds in all."""
    query = store_query(rt, caller, search)
    per_page = max(1, min(search.per_page, PAGE_LIMIT))
    cursor = search.cursor if search.sort == "newest" else None
    page = 1 if cursor else max(search.page, 1)
    items = appeal_lists.search(query, sort=search.sort, offset=(page - 1) * per_page, limit=per_page,
                                after_id=cursor)
    total = appeal_lists.count(query)
    more = len(items) == per_page and (cursor is not None or page * per_page < total)
    return SearchResult(items=items, total=total, page=page, pages=max(1, math.ceil(total / per_page)),
                        next_cursor=items[-1][0].id if more and search.sort == "newest" else None)


def every_match(rt: Runtime, caller: Caller, search: AppealSearch, *, limit: int):
    """Everything the search finds (for an export), at most `limit` appeals, in the search's order."""
    yield from appeal_lists.search_all(store_query(rt, caller, search), sort=search.sort, limit=limit)
