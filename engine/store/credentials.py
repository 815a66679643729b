"""Credentials: channels (webhook secrets) and API tokens."""

from __future__ import annotations

from datetime import datetime

from peewee import IntegrityError, Value

from .models import ChannelRecord, TokenRecord
from .row_statements import first_where
from .users import TokenOwnerRecord, UserRecord


class AlreadyExists(Exception):
    pass


def add_channel(*, name: str, kind: str, secret: str | None, confirmation: str | None, now: datetime,
                group_id: int | None = None, api_token: str | None = None, callback_url: str | None = None):
    try:
        return ChannelRecord.create(name=name, kind=kind, secret=secret, confirmation=confirmation, created_at=now,
                                    group_id=group_id, api_token=api_token, callback_url=callback_url)
    except IntegrityError as exc:
        raise AlreadyExists(name) from exc


REPLY_SETTINGS = ("api_token", "callback_url")


def update_channel(channel: ChannelRecord, **changes) -> None:
    """Change a channel's reply settings (its platform API token, its callback URL)."""
    unknown = set(changes) - set(REPLY_SETTINGS)
    if unknown:
        raise TypeError(f"not a channel reply setting: {sorted(unknown)}")
    ChannelRecord.update(**changes).where(ChannelRecord.id == channel.id).execute()


def get_channel(name: str) -> ChannelRecord | None:
    return first_where(ChannelRecord, name=name)  # every webhook asks: the SQL is built once


def list_channels() -> list[ChannelRecord]:
    return list(ChannelRecord.select().order_by(ChannelRecord.name))


def rotate_channel_secret(channel: ChannelRecord, new_secret: str, *, keep_previous_until: datetime) -> None:
    ChannelRecord.update(
        secret=new_secret, previous_secret=channel.secret, previous_secret_until=keep_previous_until
    ).where(ChannelRecord.id == channel.id).execute()


ENCRYPTED = ("secret", "previous_secret", "confirmation", "api_token")


def stored_credentials() -> dict[str, dict[str, str | None]]:
    """Each channel's credentials as stored (encrypted), by channel name: for re-encryption only."""
    columns = [getattr(ChannelRecord, name).column_name for name in ENCRYPTED]
    cursor = ChannelRecord._meta.database.execute_sql(
        f"SELECT name, {', '.join(columns)} FROM channel_record ORDER BY name")
    return {name: dict(zip(ENCRYPTED, values, strict=True)) for name, *values in cursor.fetchall()}


def replace_stored_credentials(name: str, stored: dict[str, str]) -> None:
    """Write values already encrypted (``stored_credentials`` re-encrypted), bypassing the field's encryption."""
    unknown = set(stored) - set(ENCRYPTED)
    if unknown:
        raise TypeError(f"not an encrypted channel column: {sorted(unknown)}")
    ChannelRecord.update({getattr(ChannelRecord, column): Value(value) for column, value in stored.items()}
                         ).where(ChannelRecord.name == name).execute()


def add_token(*, token_hash: str, role: str, label: str | None, expires_at: datetime | None, now: datetime):
    return TokenRecord.create(token_hash=token_hash, role=role, label=label, expires_at=expires_at, created_at=now)


def find_token(token_hash: str) -> TokenRecord | None:
    return TokenRecord.get_or_none(TokenRecord.token_hash == token_hash)


def revoke_token(token_id: int, now: datetime) -> int:
    """Revoke a token not revoked yet; 1 when it was, 0 when it is unknown or revoked already."""
    return TokenRecord.update(revoked_at=now).where(
        (TokenRecord.id == token_id) & TokenRecord.revoked_at.is_null()).execute()


def get_token(token_id: int) -> TokenRecord | None:
    return TokenRecord.get_or_none(TokenRecord.id == token_id)


def list_tokens() -> list[TokenRecord]:
    """Every token, newest first (the hash is part of the row but callers never show it)."""
    return list(TokenRecord.select().order_by(TokenRecord.id.desc()))


def token_owners() -> dict[int, object]:
    """token id → the staff user it acts as (only tokens issued to a user)."""
    rows = TokenOwnerRecord.select(TokenOwnerRecord, UserRecord).join(UserRecord)
    return {row.token_id: row.user for row in rows}


def touch_token(token_id: int, now: datetime, *, older_than: datetime) -> int:
    """Record a use unless one was recorded since ``older_than`` (one write per token every few minutes)."""
    return TokenRecord.update(last_used_at=now).where(
        (TokenRecord.id == token_id)
        & (TokenRecord.last_used_at.is_null() | (TokenRecord.last_used_at < older_than))).execute()


def expiring_tokens(now: datetime, until: datetime, used_since: datetime) -> list[TokenRecord]:
    """Tokens not revoked, still valid at ``now``, expiring by ``until`` and used since ``used_since``."""
    return list(TokenRecord.select().where(
        TokenRecord.revoked_at.is_null() & (TokenRecord.expires_at > now) & (TokenRecord.expires_at <= until)
        & (TokenRecord.last_used_at >= used_since)).order_by(TokenRecord.expires_at))
