"""Open311 GeoReport v2 service requests: receiving one (an appeal of an open311 channel, made safe
to retry by the client's idempotency key), reading one back, and listing them with their clocks."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.appeal import IncomingAppeal
from engine.domain.vocabulary import FINISHED_STATUSES
from engine.store import appeals as appeal_store
from engine.store import author_messages
from engine.store import open311 as open311_store

from .channel_events import receive_from_channel
from .credentials import find_channel, list_channels
from .intake import Received

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

KIND = "open311"


class IdempotencyKeyReused(ValueError):
    """The request's idempotency key was already used for a different request."""


def receive_request(rt: Runtime, incoming: IncomingAppeal, raw_text: str) -> Received:
    """Store the request as an appeal, then route it. The same external id again (the client's
    idempotency key) answers the stored appeal when the request is the same, else refuses it."""
    received = receive_from_channel(rt, incoming, raw_text)
    if not received.created:
        stored = appeal_store.get_appeal(received.appeal_id)
        if stored.raw_payload != raw_text.replace("\x00", ""):
            raise IdempotencyKeyReused("Idempotency-Key was already used for a different request")
        log.info("channel %s: Open311 request retried with its key; appeal %s answered again", incoming.channel,
                 received.appeal_id)
    return received


def find_request(appeal_id: int) -> tuple[object, list] | None:
    """The appeal of an open311 channel with this id and its clocks; None for any other appeal."""
    appeal = appeal_store.get_appeal(appeal_id)
    channel = find_channel(appeal.channel) if appeal else None
    if appeal is None or channel is None or channel.kind != KIND:
        return None
    return appeal, open311_store.clocks_by_appeal([appeal.id])[appeal.id]


def list_requests(*, ids: list[int] | None, categories: Iterable[str] | None, start: datetime | None,
                  end: datetime | None, closed: bool | None, limit: int) -> list[tuple[object, list]]:
    """Appeals of open311 channels with their clocks, newest first. `ids` given: those alone;
    `closed`: True only closed ones (finished appeals), False only open ones, None both."""
    channels = [c.name for c in list_channels(KIND)]
    found = open311_store.list_requests(channels=channels, ids=ids, categories=categories, start=start, end=end,
                                        closed=closed, limit=limit)
    clocks = open311_store.clocks_by_appeal([a.id for a in found])
    return [(a, clocks[a.id]) for a in found]


def is_closed(status: str) -> bool:
    return status in FINISHED_STATUSES


def latest_replies(appeal_ids: list[int]) -> dict[int, object]:
    """The latest message to the author of each request (its text is the request's ``status_notes``)."""
    return author_messages.latest_outgoing(appeal_ids)
