"""Credentials: the channels that may post appeals (their secrets) and the tokens that may call the API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from engine.store import credentials as store
from engine.store import users as user_store
from engine.store.appeals import audit
from engine.store.db import write_transaction

from .access import ROLES, AccessError, Caller

CHANNEL_KINDS = ("generic", "vk", "telegram", "open311")
ROTATION_GRACE = timedelta(hours=24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_channel(now: datetime, name: str, kind: str, secret: str | None = None,
                confirmation: str | None = None, group_id: int | None = None) -> str:
    """Register a channel; returns its secret (generated when not given). `group_id` is a VK
    community's id: events of any other community are then ignored."""
    if kind not in CHANNEL_KINDS:
        raise AccessError(f"kind must be one of {', '.join(CHANNEL_KINDS)}")
    if group_id is not None and (kind != "vk" or isinstance(group_id, bool) or not isinstance(group_id, int)
                                 or not 0 < group_id < 2**63):
        raise AccessError("group_id is a VK community's positive id, for a channel of kind vk")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_" for c in name):
        raise AccessError("name must be 1-64 letters, digits, '-' or '_'")
    secret = secret or secrets.token_urlsafe(32)
    with write_transaction():
        try:
            store.add_channel(name=name, kind=kind, secret=secret, confirmation=confirmation, now=now,
                              group_id=group_id)
        except store.AlreadyExists:
            raise AccessError(f"channel {name!r} already exists") from None
        audit(now, "admin", "channel.added", None, channel=name, kind=kind,
              **({"group_id": group_id} if group_id is not None else {}))
    return secret


def rotate_channel_secret(now: datetime, name: str, new_secret: str | None = None) -> str:
    """A new secret; the previous one keeps working for a grace period so senders can switch."""
    channel = store.get_channel(name)
    if channel is None:
        raise AccessError(f"no channel {name!r}")
    new_secret = new_secret or secrets.token_urlsafe(32)
    with write_transaction():
        store.rotate_channel_secret(channel, new_secret, keep_previous_until=now + ROTATION_GRACE)
        audit(now, "admin", "channel.secret_rotated", None, channel=name)
    return new_secret


def find_channel(name: str):
    """The registered channel of this name (its kind, secrets and settings), None when unknown."""
    return store.get_channel(name)


def list_channels(kind: str | None = None) -> list:
    """The registered channels (of one kind), by name."""
    return [c for c in store.list_channels() if kind is None or c.kind == kind]


def channel_for_secret(kind: str, given, now: datetime) -> str | None:
    """The name of the channel of this kind whose current secret was given as-is (Open311's
    `api_key`), None when no channel's is."""
    for record in list_channels(kind):
        if secret_matches(record, given, now):
            return record.name
    return None


def channel_secrets(channel, now: datetime) -> list[str]:
    found = [channel.secret] if channel.secret else []
    if channel.previous_secret and channel.previous_secret_until and now < channel.previous_secret_until:
        found.append(channel.previous_secret)
    return found


def secret_matches(channel, given, now: datetime) -> bool:
    """A secret sent as-is by the channel (VK `secret`, Telegram header, Open311 `api_key`) equals a
    current one; compared in constant time against each."""
    if not isinstance(given, str) or not given:
        return False
    matched = False
    for secret in channel_secrets(channel, now):
        matched |= hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode("utf-8"))
    return matched


def create_token(now: datetime, role: str, label: str | None = None, ttl_days: int | None = None) -> str:
    if role not in ROLES:
        raise AccessError(f"role must be one of {', '.join(ROLES)}")
    token = "apr_" + secrets.token_urlsafe(32)
    expires = now + timedelta(days=ttl_days) if ttl_days else None
    with write_transaction():
        record = store.add_token(token_hash=hash_token(token), role=role, label=label, expires_at=expires, now=now)
        audit(now, "admin", "token.created", None, token_id=record.id, role=role)
    return token


def authenticate(token: str, now: datetime) -> Caller | None:
    record = store.find_token(hash_token(token))
    if record is None or record.revoked_at or (record.expires_at and record.expires_at <= now):
        return None
    owner = user_store.token_owner(record.id)
    if owner is not None:
        if owner.disabled_at:
            return None
        return Caller(token_id=record.id, role=record.role, label=record.label, user=owner.login,
                      body=owner.body, sector=owner.sector, official_id=owner.official_id)
    return Caller(token_id=record.id, role=record.role, label=record.label)


def revoke_token(now: datetime, token_id: int, *, actor: str = "admin") -> bool:
    with write_transaction():
        changed = store.revoke_token(token_id, now)
        if changed:
            audit(now, actor, "token.revoked", None, token_id=token_id)
    return bool(changed)
