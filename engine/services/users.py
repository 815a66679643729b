"""Staff web users: hashed passwords, login sessions with a CSRF token, and what each user may see."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from engine.store import users as store
from engine.store.appeals import audit
from engine.store.db import write_transaction

from .access import ROLES, AccessError, Caller
from .credentials import create_token, hash_token

log = logging.getLogger(__name__)

WEB_ROLES = tuple(r for r in ROLES if r != "channel")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class WebSession:
    caller: Caller
    csrf_token: str


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


@cache
def _stand_in_hash() -> str:
    """A hash of a random password, made once: an unknown login is checked against it, so it costs
    one scrypt like any other login."""
    return hash_password(secrets.token_urlsafe(24))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(digest) // 2, maxmem=64 * 1024 * 1024)
    return hmac.compare_digest(candidate.hex(), digest)


def add_user(now: datetime, login: str, role: str, password: str, *, name: str | None = None,
             body: str | None = None, sector: str | None = None, official_id: str | None = None,
             directory=None, actor: str = "admin", sectors: tuple[str, ...] | list[str] = ()):
    """Create a web user. An official needs a body; a manager may have a body (the head of that body: its
    appeals only), else lead one or several sector blocks (``sector`` and/or ``sectors``; none: the whole
    centre). The blocks are stored in the user's
    sector field separated by spaces (codes never contain one), the first one first."""
    led = list(dict.fromkeys(s.strip() for s in ([sector] if sector else []) + list(sectors) if s and s.strip()))
    if any(" " in s for s in led):
        raise AccessError("в коде блока не бывает пробелов")
    sector = " ".join(led) or None
    if role not in WEB_ROLES:
        raise AccessError(f"роль — одна из: {', '.join(WEB_ROLES)}")
    if not login or len(login) > 64 or not all(c.isalnum() or c in "-_." for c in login):
        raise AccessError("логин — от 1 до 64 латинских букв, цифр, «-», «_» или «.»")
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"пароль должен быть не короче {MIN_PASSWORD} знаков")
    if role == "official" and not body:
        raise AccessError("сотруднику органа нужен --body: орган, с обращениями которого он работает")
    if directory is not None:
        if body and body not in directory.bodies:
            raise AccessError(f"в справочнике нет органа {body!r}")
        for code in led:
            if code not in directory.sectors:
                raise AccessError(f"в справочнике нет блока {code!r}")
        if official_id and official_id not in directory.officials:
            raise AccessError(f"в справочнике нет сотрудника {official_id!r}")
    with write_transaction():
        try:
            user = store.add_user(login=login, name=name, role=role, body=body, sector=sector,
                                  official_id=official_id, password_hash=hash_password(password), now=now)
        except store.UserExists:
            raise AccessError(f"пользователь {login!r} уже есть") from None
        audit(now, actor, "user.added", None, login=login, role=role, body=body, sector=sector,
              **({"sectors": led} if len(led) > 1 else {}))
    return user


def list_users() -> list:
    """Every staff login (disabled ones too), by login."""
    return store.list_users()


def set_password(now: datetime, login: str, password: str, *, actor: str = "admin") -> None:
    user = _existing(login)
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"пароль должен быть не короче {MIN_PASSWORD} знаков")
    with write_transaction():
        store.update_user(user, password_hash=hash_password(password), failed_logins=0, locked_until=None)
        store.end_sessions_of(user, now)
        audit(now, actor, "user.password_set", None, login=login)


def disable_user(now: datetime, login: str, *, actor: str = "admin") -> None:
    user = _existing(login)
    with write_transaction():
        store.update_user(user, disabled_at=now)
        store.end_sessions_of(user, now)
        audit(now, actor, "user.disabled", None, login=login)


def issue_token(now: datetime, login: str, *, ttl_days: int | None = None, default_days: int = 0,
                actor: str = "admin") -> str:
    """An API token acting as the user (same role and scope); expiry as in credentials.create_token."""
    user = _existing(login)
    token = create_token(now, user.role, label=f"user:{login}", ttl_days=ttl_days, default_days=default_days)
    with write_transaction():
        from engine.store import credentials as token_store

        record = token_store.find_token(hash_token(token))
        store.own_token(record.id, user)
        audit(now, actor, "user.token_issued", None, login=login, token_id=record.id)
    return token


def log_in(now: datetime, login: str, password: str, *, hours: int,
           origin: str | None) -> tuple[str, WebSession] | None:
    """Check a password; on success start a session and return (its cookie key, the session)."""
    user = store.get_user(login)
    # exactly one scrypt on every path (unknown, disabled, locked, wrong or right password), before the
    # write lock: how long the answer takes tells nothing about the login
    matches = verify_password(password, user.password_hash if user is not None else _stand_in_hash())
    if user is None:
        return None
    with write_transaction():
        if user.disabled_at or (user.locked_until and user.locked_until > now):
            audit(now, f"user:{login}", "user.login_refused", None, origin=origin)
            return None
        if not matches:
            failed = user.failed_logins + 1
            store.update_user(user, failed_logins=failed,
                              locked_until=now + LOCK_FOR if failed >= LOCK_AFTER else None)
            audit(now, f"user:{login}", "user.login_failed", None, origin=origin, failures=failed)
            log.info("failed staff login (%s in a row)", failed)
            return None
        store.update_user(user, failed_logins=0, locked_until=None)
        key = secrets.token_urlsafe(32)
        record = store.add_session(key_hash=hash_token(key), user=user, csrf_token=secrets.token_urlsafe(32),
                                   now=now, expires_at=now + timedelta(hours=hours), origin=origin)
        audit(now, f"user:{login}", "user.logged_in", None, origin=origin)
    return key, WebSession(caller=caller_of(user), csrf_token=record.csrf_token)


def session_for(key: str, now: datetime) -> WebSession | None:
    record = store.find_session(hash_token(key))
    if record is None or record.ended_at or record.expires_at <= now or record.user.disabled_at:
        return None
    return WebSession(caller=caller_of(record.user), csrf_token=record.csrf_token)


def log_out(key: str, now: datetime, *, origin: str | None) -> None:
    record = store.find_session(hash_token(key))
    if record is None:
        return
    with write_transaction():
        store.end_session(hash_token(key), now)
        audit(now, f"user:{record.user.login}", "user.logged_out", None, origin=origin)


def caller_of(user, token_id: int | None = None) -> Caller:
    led = sectors_of(user)
    return Caller(token_id=token_id, role=user.role, label=user.name or user.login, user=user.login,
                  body=user.body, sector=led[0] if led else None, official_id=user.official_id, sectors=led)


def sectors_of(user) -> tuple[str, ...]:
    """The sector blocks a stored user leads, in the order given."""
    return tuple((user.sector or "").split())


def _existing(login: str):
    user = store.get_user(login)
    if user is None:
        raise AccessError(f"нет пользователя {login!r}")
    return user
