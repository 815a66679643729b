"""Repeats and clusters for an appeal being routed, from the appeals already stored."""

from __future__ import annotations

import logging

from engine.classify import History, assess
from engine.store import related

log = logging.getLogger(__name__)


def history_for(policy_set, record, incoming, topic: str, reading) -> tuple[History | None, str | None]:
    """(History, municipality) for a received appeal on `topic`; (None, channel's municipality)
    when the rules folder has no text reader. The municipality is the channel's, else the one the
    text reader found in `reading` (engine.classify.Reading of this appeal)."""
    reader = getattr(policy_set, "reader", None)
    if reader is None:
        return None, incoming.municipality
    found = reading.place.municipality if reading is not None and reading.place else None
    place = incoming.municipality or found
    settings = reader.history
    received = record.received_at
    same_author = []
    if incoming.author_id:
        same_author = related.same_author(record.id, incoming.author_id, topic,
                                          received - settings.repeat_window, received)
    place_authors = []
    if place and topic != "other":
        place_authors = related.authors_in_place(record.id, topic, place, received - settings.cluster_window,
                                                 received, enough=settings.cluster_min_authors)
    history = assess(author_id=incoming.author_id, same_author=same_author, place_authors=place_authors,
                     settings=settings)
    if history.matters:
        log.info("appeal %s: %s earlier appeals of the author on %s, %s authors on it in %s",
                 record.id, history.repeat_count, topic, history.cluster_authors, place)
    return history, place
