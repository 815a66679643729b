"""What every channel adapter shares before it calls a service (engine.services.channel_events):
finding the registered channel (kept a few seconds), checking its current credentials, reading
the body as a JSON object, and a channel's Unix times."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app

from engine.services.credentials import find_channel

from ..bounded_json import BadJson, read_json
from ..errors import ApiError

CHANNEL_CACHE_SECONDS = 5.0  # how long an app keeps a channel's settings before reading them again


def channel_of_kind(name: str, kind: str, label: str):
    """The registered channel `name` of this kind, or 404. Every webhook asks, so the app keeps
    a channel's row for CHANNEL_CACHE_SECONDS (an unknown name is not kept: a channel added
    a moment ago is found); ``with_current_credentials`` re-reads it before refusing a secret."""
    if not (0 < len(name) <= 64 and all(c.isalnum() or c in "-_" for c in name)):  # as channels are named
        raise ApiError(404, "unknown_channel", f"no {label} channel named {name[:64]!r}")
    known = _kept().get(name)
    record = known[1] if known is not None and time.monotonic() - known[0] < CHANNEL_CACHE_SECONDS else _read(name)
    if record is None or record.kind != kind:
        raise ApiError(404, "unknown_channel", f"no {label} channel named {name!r}")
    return record


def _read(name: str):
    record = find_channel(name)
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
    """The body as text and as a JSON object (read by the one bounded reader), or 400."""
    try:
        payload = read_json(raw)
    except BadJson as exc:
        raise ApiError(400, "bad_json", f"the body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return raw.decode("utf-8"), payload


def from_unix(value, now: datetime) -> datetime:
    """A channel's Unix time; never later than now, so no appeal arrives from the future."""
    try:
        moment = datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(moment, now)
