"""The one-click «Принять» link of an alert e-mail: a signed, expiring token naming one alert and its
recipient. Following it acknowledges the alert without a login, once: the acknowledgement is
audited as the recipient (``official:<id>``, via the e-mail link, from where); a second use finds
the alert acknowledged and says when. The token is an HMAC-SHA256 over the alert id, the recipient
and the expiry with a key derived from APPEALS_SECRET_KEY (or, when that is empty, from the newest
encryption key: see engine.services.encryption_keys); it stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.store import appeals as appeal_store
from engine.store import outbox
from engine.store.db import write_transaction
from engine.wording.alerts import utc_offset

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

PURPOSE = b"appeals-router: alert accept link, v1"
_process_key = secrets.token_bytes(32)  # when APPEALS_SECRET_KEY is empty: links work within this process


@dataclass(frozen=True)
class AcceptOutcome:
    """What following a link did: "accepted" now, "already" accepted before (at `at`, by `by`),
    "expired" (it worked until `at`), or "invalid" (not a link of ours)."""

    result: str
    alert_id: int | None = None
    appeal_id: int | None = None
    recipient: str | None = None
    level: str | None = None
    at: datetime | None = None
    by: str | None = None


def _key(rt: Runtime) -> bytes:
    """APPEALS_SECRET_KEY's; without it, one derived from the newest encryption key (APPEALS_ENCRYPTION_KEYS or
    the laptop's key file), which every process of the installation shares and a restart keeps."""
    secret = rt.settings.secret_key
    material = secret.encode() if secret else _shared_material(rt.settings.encryption_keys,
                                                               str(rt.settings.encryption_key_file))
    return hmac.new(material, PURPOSE, hashlib.sha256).digest()


@lru_cache(maxsize=4)
def _shared_material(keys: str, key_file: str) -> bytes:
    from .encryption_keys import EncryptionKeyError, configured_keys

    try:
        newest = configured_keys(SimpleNamespace(encryption_keys=keys, encryption_key_file=key_file))[0]
    except (EncryptionKeyError, OSError, IndexError):
        log.warning("no key to sign alert accept links with: links work within this process only")
        return _process_key
    return b"encryption-key:" + newest.encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def accept_token(rt: Runtime, alert_id: int, recipient: str, now: datetime) -> str:
    """A token acknowledging `alert_id` for `recipient` until now + APPEALS_ACCEPT_LINK_HOURS."""
    expires = int((now + timedelta(hours=rt.settings.accept_link_hours)).timestamp())
    payload = f"{alert_id}.{expires}.{recipient}".encode()
    signature = hmac.new(_key(rt), payload, hashlib.sha256).digest()[:20]
    return f"{_b64(payload)}.{_b64(signature)}"


def accept_url(rt: Runtime, alert_id: int, recipient: str, now: datetime) -> str:
    return f"{rt.settings.public_url}/alerts/accept/{accept_token(rt, alert_id, recipient, now)}"


def link_valid_until(rt: Runtime, now: datetime) -> str:
    """«до 03.12.2026 10:00 (UTC+7)»: when a link made now stops working, in the region's time."""
    until = (now + timedelta(hours=rt.settings.accept_link_hours)).astimezone(
        ZoneInfo(rt.policy_set.directory.timezone))
    return f"до {until:%d.%m.%Y %H:%M} ({utc_offset(until)})"


def _claim(rt: Runtime, token: str) -> tuple[int, datetime, str] | None:
    try:
        payload_b64, signature_b64 = token.split(".")
        payload, signature = _unb64(payload_b64), _unb64(signature_b64)
        expected = hmac.new(_key(rt), payload, hashlib.sha256).digest()[:20]
        if not hmac.compare_digest(signature, expected):
            return None
        alert_id, expires, recipient = payload.decode().split(".", 2)
        return int(alert_id), datetime.fromtimestamp(int(expires), UTC), recipient
    except (ValueError, UnicodeDecodeError):
        return None


def check_link(rt: Runtime, token: str) -> AcceptOutcome:
    """What following the link would do, changing nothing (the page shown before the click goes through)."""
    return _follow(rt, token, origin=None, write=False)


def accept_by_link(rt: Runtime, token: str, *, origin: str | None) -> AcceptOutcome:
    """Acknowledge the link's alert as its recipient, unless it expired or was used."""
    return _follow(rt, token, origin=origin, write=True)


def _follow(rt: Runtime, token: str, *, origin: str | None, write: bool) -> AcceptOutcome:
    claim = _claim(rt, token)
    if claim is None:
        return AcceptOutcome("invalid")
    alert_id, expires, recipient = claim
    alert = outbox.get_alert(alert_id)
    if alert is None or alert.recipient != recipient:
        return AcceptOutcome("invalid")
    known = {"alert_id": alert_id, "appeal_id": alert.appeal_id, "recipient": recipient, "level": alert.level}
    if alert.acknowledged_at is not None:
        return AcceptOutcome("already", at=alert.acknowledged_at, by=_acknowledged_by(alert), **known)
    now = rt.now()
    if now >= expires:
        return AcceptOutcome("expired", at=expires, **known)
    if not write:
        return AcceptOutcome("ready", at=expires, **known)
    actor = f"official:{recipient}"
    with write_transaction():
        if not outbox.acknowledge(alert_id, now):
            again = outbox.get_alert(alert_id)
            return AcceptOutcome("already", at=again.acknowledged_at, by=_acknowledged_by(again), **known)
        appeal_store.audit(now, actor, "alert.acknowledged", alert.appeal_id, alert=alert_id, level=alert.level,
                           via="email-link", **({"origin": origin} if origin else {}))
    log.info("appeal %s: alert %s acknowledged by %s through the e-mail link", alert.appeal_id, alert_id, recipient)
    return AcceptOutcome("accepted", at=now, by=actor, **known)


def _acknowledged_by(alert) -> str | None:
    entry = appeal_store.alert_acknowledgement(alert.id, alert.appeal_id)
    return entry.actor if entry is not None else None
