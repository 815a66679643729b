"""Credentials: the channels that may post appeals (their secrets) and the tokens that may call the API."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from engine.store import credentials as store
from engine.store import users as user_store
from engine.store.appeals import audit
from engine.store.db import write_transaction

from .access import ROLES, AccessError, Caller

CHANNEL_KINDS = ("generic", "vk", "telegram", "open311")
ROTATION_GRACE = timedelta(hours=24)
USE_RECORDED_EVERY = timedelta(minutes=5)  # a token's last use is written at most this often
# what our service answers residents with: the platform API token of a VK or Telegram channel
# (engine/replies sends with it) and the callback URL of a generic one
API_TOKEN_KINDS = {"vk": "VK community access token (--access-token)", "telegram": "Telegram bot token (--bot-token)"}
_VK_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,1000}")
_BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")
UNCHANGED = object()  # set_reply_settings: leave this setting as it is


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_channel(now: datetime, name: str, kind: str, secret: str | None = None,
                confirmation: str | None = None, group_id: int | None = None, *,
                api_token: str | None = None, callback_url: str | None = None) -> str:
    """Register a channel; returns its secret (generated when not given). `group_id` is a VK
    community's id: events of any other community are then ignored. `api_token` (vk, telegram) and
    `callback_url` (generic) are what replies to residents go out with."""
    if kind not in CHANNEL_KINDS:
        raise AccessError(f"вид канала — один из: {', '.join(CHANNEL_KINDS)}")
    if group_id is not None and (kind != "vk" or isinstance(group_id, bool) or not isinstance(group_id, int)
                                 or not 0 < group_id < 2**63):
        raise AccessError("group_id — положительный номер сообщества VK, только для канала вида vk")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_" for c in name):
        raise AccessError("имя канала — от 1 до 64 латинских букв, цифр, «-» или «_»")
    if api_token is not None:
        api_token = checked_api_token(kind, api_token)
    if callback_url is not None:
        callback_url = checked_callback_url(kind, callback_url)
    secret = secret or secrets.token_urlsafe(32)
    with write_transaction():
        try:
            store.add_channel(name=name, kind=kind, secret=secret, confirmation=confirmation, now=now,
                              group_id=group_id, api_token=api_token, callback_url=callback_url)
        except store.AlreadyExists:
            raise AccessError(f"канал {name!r} уже есть") from None
        audit(now, "admin", "channel.added", None, channel=name, kind=kind,
              **({"group_id": group_id} if group_id is not None else {}),
              **({"api_token": "set"} if api_token else {}),
              **({"callback_url": callback_url} if callback_url else {}))
    return secret


def set_reply_settings(now: datetime, name: str, *, api_token=UNCHANGED, callback_url=UNCHANGED,
                       actor: str = "admin") -> list[str]:
    """Replace (a string) or remove (None) a channel's platform API token or callback URL; audited
    without the token. Returns the names of the settings that changed."""
    channel = store.get_channel(name)
    if channel is None:
        raise AccessError(f"нет канала {name!r}")
    changes, shown = {}, {}
    if api_token is not UNCHANGED:
        changes["api_token"] = None if api_token is None else checked_api_token(channel.kind, api_token)
        shown["api_token"] = "removed" if api_token is None else "replaced" if channel.api_token else "set"
    if callback_url is not UNCHANGED:
        changes["callback_url"] = None if callback_url is None else checked_callback_url(channel.kind, callback_url)
        shown["callback_url"] = changes["callback_url"]
    if not changes:
        raise AccessError("менять нечего: укажите токен или адрес обратного вызова")
    with write_transaction():
        store.update_channel(channel, **changes)
        audit(now, actor, "channel.reply_settings_changed", None, channel=name, **shown)
    return sorted(changes)


def checked_api_token(kind: str, token: str) -> str:
    """The token as given when it can be a token of this kind of channel; AccessError naming what is wrong."""
    if kind not in API_TOKEN_KINDS:
        raise AccessError(f"у канала вида {kind} нет токена площадки: он есть только у каналов vk (--access-token) "
                          "и telegram (--bot-token)")
    token = token.strip() if isinstance(token, str) else ""
    if kind == "vk" and not _VK_TOKEN.fullmatch(token):
        raise AccessError("ключ доступа сообщества VK — от 1 до 1000 латинских букв, цифр, «.», «-» или «_»")
    if kind == "telegram" and not _BOT_TOKEN.fullmatch(token):
        raise AccessError("токен бота Telegram — номер бота, «:» и секрет "
                          "(латинские буквы, цифры, «-» или «_»), как его выдаёт @BotFather")
    return token


def checked_callback_url(kind: str, url: str) -> str:
    """An http(s) URL without credentials in it, for a generic channel; AccessError otherwise."""
    if kind != "generic":
        raise AccessError(f"адрес обратного вызова бывает только у каналов вида generic, не {kind}")
    url = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise AccessError("адрес обратного вызова — адрес http:// или https:// не длиннее 2000 знаков")
    if parts.username or parts.password:
        raise AccessError("в адресе обратного вызова не бывает имени и пароля: его показывает `appeals channel list`; "
                          "вызовы подписываются секретом канала")
    return url


def rotate_channel_secret(now: datetime, name: str, new_secret: str | None = None) -> str:
    """A new secret; the previous one keeps working for a grace period so senders can switch."""
    channel = store.get_channel(name)
    if channel is None:
        raise AccessError(f"нет канала {name!r}")
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


def create_token(now: datetime, role: str, label: str | None = None, ttl_days: int | None = None, *,
                 default_days: int = 0) -> str:
    """A new bearer token (returned once, stored hashed). It expires after ``ttl_days``, or when
    that is None after ``default_days`` (APPEALS_TOKEN_DAYS); 0 days: it does not expire."""
    if role not in ROLES:
        raise AccessError(f"роль — одна из: {', '.join(ROLES)}")
    days = default_days if ttl_days is None else ttl_days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 36500:
        raise AccessError("срок действия токена — от 0 (бессрочно) до 36500 дней")
    token = "apr_" + secrets.token_urlsafe(32)
    expires = now + timedelta(days=days) if days else None
    with write_transaction():
        record = store.add_token(token_hash=hash_token(token), role=role, label=label, expires_at=expires, now=now)
        audit(now, "admin", "token.created", None, token_id=record.id, role=role)
    return token


def authenticate(token: str, now: datetime) -> Caller | None:
    record = store.find_token(hash_token(token))
    if record is None or record.revoked_at or (record.expires_at and record.expires_at <= now):
        return None
    if record.last_used_at is None or record.last_used_at < now - USE_RECORDED_EVERY:
        with write_transaction():
            store.touch_token(record.id, now, older_than=now - USE_RECORDED_EVERY)
    owner = user_store.token_owner(record.id)
    if owner is not None:
        if owner.disabled_at:
            return None
        led = tuple((owner.sector or "").split())  # the owner's sector blocks (engine.services.users)
        return Caller(token_id=record.id, role=record.role, label=record.label, user=owner.login,
                      body=owner.body, sector=led[0] if led else None, official_id=owner.official_id,
                      sectors=led)
    return Caller(token_id=record.id, role=record.role, label=record.label)


def revoke_token(now: datetime, token_id: int, *, actor: str = "admin") -> bool:
    with write_transaction():
        changed = store.revoke_token(token_id, now)
        if changed:
            audit(now, actor, "token.revoked", None, token_id=token_id)
    return bool(changed)
