"""What a channel's webhook does once its payload is authenticated and normalised: store the appeal
with the channel's own event id in one transaction (then route it, now or in the worker), remember
an event that creates no appeal, and record an edit or a deletion made in the channel.

A channel that retries delivers the same event again; the first one recorded wins and the others
change nothing. Edits and deletions never touch the appeal's original text: each one is a revision
row beside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.domain.appeal import IncomingAppeal
from engine.store import appeals as appeal_store
from engine.store import channel_events
from engine.store.db import write_transaction

from .intake import Received, receive_appeal, route_on_receipt

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelEvent:
    """A channel's own id of a delivery (VK event_id, Telegram update_id) and its type."""

    key: str
    type: str


def event_handled(channel: str, event: ChannelEvent | None) -> bool:
    """Was this event of the channel recorded before (a retry)?"""
    return event is not None and channel_events.event_seen(channel, event.key)


def receive_from_channel(rt: Runtime, incoming: IncomingAppeal, raw_text: str, *,
                         event: ChannelEvent | None = None) -> Received | None:
    """Store, then route (now or in the worker, see APPEALS_ROUTING); None when another delivery
    of the same event got there first. A repeated external id answers the appeal stored before."""
    now = rt.now()

    def record_delivery():  # in the appeal's own transaction: both or neither
        channel_events.record_event(incoming.channel, event.key, event.type, now)

    try:
        received = receive_appeal(rt, incoming, raw_text, actor=f"channel:{incoming.channel}",
                                  with_it=record_delivery if event is not None else None)
    except channel_events.EventSeen:
        return None
    return route_on_receipt(rt, received)


def record_channel_event(rt: Runtime, channel: str, event: ChannelEvent) -> bool:
    """Remember an event that creates no appeal; False when it was seen before."""
    try:
        with write_transaction():
            channel_events.record_event(channel, event.key, event.type, rt.now())
    except channel_events.EventSeen:
        return False
    return True


def revise_appeal(rt: Runtime, channel: str, external_id: str, kind: str, *, text: str | None, details: dict,
                  event: ChannelEvent | None) -> int | None:
    """Record an edit or a deletion (`kind`: edited, deleted) made in the channel beside the stored
    appeal, whose original text stays as received, with the event in the same transaction; returns
    the appeal id, None when it is not stored or the event was handled before."""
    now = rt.now()
    try:
        with write_transaction():
            if event is not None:
                channel_events.record_event(channel, event.key, event.type, now)
            appeal = appeal_store.find_appeal(channel, external_id)
            if appeal is None:
                log.info("channel %s: %s of %s, which is not a stored appeal", channel, kind, external_id)
                return None
            channel_events.add_revision(appeal.id, kind, text, details, now)
            appeal_store.audit(now, f"channel:{channel}", f"appeal.{kind}_in_channel", appeal.id,
                               external_id=external_id)
    except channel_events.EventSeen:
        return None
    log.info("appeal %s %s in channel %s", appeal.id, kind, channel)
    return appeal.id
