"""Repeats and clusters for an appeal being routed, from the appeals already stored."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.classify import History, Neighbour, assess
from engine.store import related

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutedEarlier:
    """An appeal routed earlier in the same batch, not yet committed: what the lookups below would
    find of it in the database had it been routed on its own."""

    appeal_id: int
    author_id: str | None
    topic: str
    municipality: str | None
    received_at: datetime


def history_for(policy_set, record, incoming, topic: str, reading,
                earlier: Sequence[RoutedEarlier] = (), known=None) -> tuple[History | None, str | None]:
    """(History, municipality) for a received appeal on `topic`; (None, channel's municipality)
    when the rules folder has no text reader. The municipality is the channel's, else the one the
    text reader found in `reading` (engine.classify.Reading of this appeal). `earlier`: appeals of
    the same batch routed before this one, counted as if stored; `known`: an
    engine.store.related.Neighbourhood read for the batch, asked first."""
    reader = getattr(policy_set, "reader", None)
    if reader is None:
        return None, incoming.municipality
    found = reading.place.municipality if reading is not None and reading.place else None
    place = incoming.municipality or found
    settings = reader.history
    received = record.received_at
    repeat_count, earliest = 0, None
    if incoming.author_id:
        since = received - settings.repeat_window
        found = known.same_author(record.id, incoming.author_id, topic, since, received) if known else None
        if found is None:
            found = related.same_author(record.id, incoming.author_id, topic, since, received)
        repeat_count, earliest = found
        batch = [Neighbour(e.appeal_id, e.author_id, e.received_at) for e in earlier
                 if e.author_id == incoming.author_id and e.topic == topic and since <= e.received_at <= received]
        if batch:  # as if stored: the first LIMIT in (received_at, id) order
            repeat_count = min(repeat_count + len(batch), related.LIMIT)
            earliest = min([*batch, *([earliest] if earliest else [])], key=lambda n: (n.received_at, n.appeal_id))
    place_authors = []
    if place and topic != "other":
        since, enough = received - settings.cluster_window, settings.cluster_min_authors
        place_authors = None
        if known is not None:
            place_authors = known.authors_in_place(record.id, topic, place, since, received, enough=enough,
                                                   author_id=incoming.author_id)
        if place_authors is None:
            place_authors = related.authors_in_place(record.id, topic, place, since, received, enough=enough,
                                                     author_id=incoming.author_id)
        for e in earlier:
            who = e.author_id or f"appeal:{e.appeal_id}"
            if (len(place_authors) < enough and e.topic == topic and e.municipality == place
                    and since <= e.received_at <= received
                    and (incoming.author_id is None or e.author_id != incoming.author_id)
                    and who not in place_authors):
                place_authors.append(who)
    history = assess(author_id=incoming.author_id, repeat_count=repeat_count, earliest=earliest,
                     place_authors=place_authors, settings=settings)
    if history.matters:
        log.info("appeal %s: %s earlier appeals of the author on %s, %s authors on it in %s",
                 record.id, history.repeat_count, topic, history.cluster_authors, place)
    return history, place
