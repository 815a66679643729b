"""Staff web users, their login sessions and which user a token belongs to."""

from __future__ import annotations

from datetime import datetime

from peewee import AutoField, CharField, ForeignKeyField, IntegerField, IntegrityError

from .models import BaseModel, TokenRecord, UTCDateTimeField


class UserRecord(BaseModel):
    id = AutoField()
    login = CharField(unique=True, max_length=64)
    name = CharField(null=True)
    role = CharField(max_length=16)
    body = CharField(null=True)  # an official's body
    sector = CharField(null=True)  # a manager's sector blocks, space-separated; empty means the whole centre
    official_id = CharField(null=True)  # the person in the directory, when there is one
    password_hash = CharField()
    failed_logins = IntegerField(default=0)
    locked_until = UTCDateTimeField(null=True)
    disabled_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField()


class SessionRecord(BaseModel):
    id = AutoField()
    key_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(UserRecord, backref="sessions", on_delete="CASCADE")
    csrf_token = CharField(max_length=64)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(index=True)
    ended_at = UTCDateTimeField(null=True)
    origin = CharField(null=True)


class TokenOwnerRecord(BaseModel):
    """A token issued to a user acts with that user's scope (body, sector)."""

    token = ForeignKeyField(TokenRecord, primary_key=True, on_delete="CASCADE")
    user = ForeignKeyField(UserRecord, backref="tokens", on_delete="CASCADE")


TABLES = (UserRecord, SessionRecord, TokenOwnerRecord)


class UserExists(Exception):
    pass


def add_user(*, login: str, name: str | None, role: str, body: str | None, sector: str | None,
             official_id: str | None, password_hash: str, now: datetime) -> UserRecord:
    try:
        return UserRecord.create(login=login, name=name, role=role, body=body, sector=sector,
                                 official_id=official_id, password_hash=password_hash, created_at=now)
    except IntegrityError as exc:
        raise UserExists(login) from exc


def get_user(login: str) -> UserRecord | None:
    return UserRecord.get_or_none(UserRecord.login == login)



def list_users() -> list[UserRecord]:
    return list(UserRecord.select().order_by(UserRecord.login))


def update_user(user: UserRecord, **changes) -> None:
    UserRecord.update(**changes).where(UserRecord.id == user.id).execute()
    for name, value in changes.items():
        setattr(user, name, value)


def add_session(*, key_hash: str, user: UserRecord, csrf_token: str, now: datetime, expires_at: datetime,
                origin: str | None) -> SessionRecord:
    return SessionRecord.create(key_hash=key_hash, user=user, csrf_token=csrf_token, created_at=now,
                                expires_at=expires_at, origin=origin)


def find_session(key_hash: str) -> SessionRecord | None:
    return (
        SessionRecord.select(SessionRecord, UserRecord)
        .join(UserRecord)
        .where(SessionRecord.key_hash == key_hash)
        .first()
    )


def end_session(key_hash: str, now: datetime) -> int:
    return SessionRecord.update(ended_at=now).where(
        (SessionRecord.key_hash == key_hash) & SessionRecord.ended_at.is_null()
    ).execute()


def end_sessions_of(user: UserRecord, now: datetime) -> int:
    return SessionRecord.update(ended_at=now).where(
        (SessionRecord.user == user) & SessionRecord.ended_at.is_null()
    ).execute()


def own_token(token_id: int, user: UserRecord) -> None:
    TokenOwnerRecord.create(token=token_id, user=user)


def token_owner(token_id: int) -> UserRecord | None:
    row = (
        TokenOwnerRecord.select(TokenOwnerRecord, UserRecord)
        .join(UserRecord)
        .where(TokenOwnerRecord.token == token_id)
        .first()
    )
    return row.user if row else None
