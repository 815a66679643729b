"""What every channel adapter does once a payload is authenticated and normalised:
store the appeal (and the channel's event id) in one transaction, then route it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app

from engine.domain.appeal import IncomingAppeal
from engine.services.intake import Received, receive_appeal, route_on_receipt
from engine.store import appeals as appeal_store
from engine.store import channel_events
from engine.store import credentials as channel_store
from engine.store.db import write_transaction

from ..errors import ApiError

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


CHANNEL_CACHE_SECONDS = 5.0  # how long an app keeps a channel's settings before reading them again


def channel_of_kind(name: str, kind: str, label: str):
    """The registered channel `name` of this kind, or 404. Every webhook asks, so the app keeps
    a channel's row for CHANNEL_CACHE_SECONDS (an unknown name is not kept: a channel added
    a moment ago is found); ``with_current_credentials`` re-reads it before refusing a secret."""
    known = _kept().get(name)
    record = known[1] if known is not None and time.monotonic() - known[0] < CHANNEL_CACHE_SECONDS else _read(name)
    if record is None or record.kind != kind:
        raise ApiError(404, "unknown_channel", f"no {label} channel named {name!r}")
    return record


def _read(name: str):
    record = channel_store.get_channel(name)
    if record is not None:
        _kept()[name] = (time.monotonic(), record)
    return record


def _kept() -> dict[str, tuple[float, object]]:
    """This app's channel rows: name → (monotonic time read, row)."""
    return current_app.extensions.setdefault("appeals_channels", {})


def with_current_credentials(record, check: Callable[[object], None]):
    """The channel's row whose credentials ``check`` accepts (it raises to refuse). A row the
    process kept gets one more chance, read again from the database, when its credentials
    changed there meanwhile: a secret rotated a moment ago is accepted at once."""
    try:
        check(record)
        return record
    except Exception:
        fresh = _read(record.name)
        if fresh is None or _credentials(fresh) == _credentials(record):
            raise
    check(fresh)
    return fresh


def _credentials(record) -> tuple:
    return (record.kind, record.secret, record.previous_secret, record.previous_secret_until)


def json_object(raw: bytes) -> tuple[str, dict]:
    """The body as text and as a JSON object, or 400."""
    try:
        text = raw.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return text, payload


@dataclass(frozen=True)
class ChannelEvent:
    """A channel's own id of a delivery (VK event_id, Telegram update_id) and its type."""

    key: str
    type: str


def already_handled(channel: str, event: ChannelEvent | None) -> bool:
    return event is not None and channel_events.event_seen(channel, event.key)


def accept(rt: Runtime, incoming: IncomingAppeal, raw_text: str, *,
           event: ChannelEvent | None = None) -> Received | None:
    """Store, then route (now or in the worker, see APPEALS_ROUTING); None when another delivery
    of the same event got there first."""
    now = rt.now()

    def record_delivery():  # in the appeal's own transaction: both or neither
        channel_events.record_event(incoming.channel, event.key, event.type, now)

    try:
        received = receive_appeal(rt, incoming, raw_text, actor=f"channel:{incoming.channel}",
                                  with_it=record_delivery if event is not None else None)
    except channel_events.EventSeen:
        return None
    return route_on_receipt(rt, received)


def acknowledge(rt: Runtime, channel: str, event: ChannelEvent) -> bool:
    """Remember an event that creates no appeal; False when it was seen before."""
    try:
        with write_transaction():
            channel_events.record_event(channel, event.key, event.type, rt.now())
    except channel_events.EventSeen:
        return False
    return True


def revise(rt: Runtime, channel: str, external_id: str, kind: str, *, text: str | None, details: dict,
           event: ChannelEvent | None) -> int | None:
    """Record an edit or a deletion made in the channel beside the stored appeal (whose
    original text stays as received); returns the appeal id, None when it is not stored."""
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


def from_unix(value, now: datetime) -> datetime:
    """A channel's Unix time; never later than now, so no appeal arrives from the future."""
    try:
        moment = datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(moment, now)
