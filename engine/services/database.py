"""The database as the shell uses it: a connection per request or command, and the migrations.

The web app borrows a connection before each request and gives it back after; a command or a
job holds one for its duration. Nothing outside engine/ needs to know it is peewee underneath.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from engine.store import db
from engine.store.migrations import migrate


def connect() -> None:
    """Borrow a connection for this thread (the one already open is reused)."""
    db.database.connect(reuse_if_open=True)


def release() -> None:
    """Give this thread's connection back."""
    db.release_connection()


def unavailable(exc: BaseException) -> bool:
    """The database cannot serve now (connection lost or refused, SQLite locked): retry later."""
    return db.is_unavailable(exc)


def discard() -> None:
    """Forget this thread's connection after it was lost; the next request connects afresh."""
    db.discard_connection()


@contextmanager
def consistent_read() -> Iterator[None]:
    """Reads that see one moment of the database (engine.store.db.read_snapshot): for a view built
    from several queries while workers write."""
    with db.read_snapshot():
        yield


@contextmanager
def connection() -> Iterator[None]:
    """A connection for a command or a job; reuses one already open in this thread."""
    with db.connection():
        yield


def is_sqlite() -> bool:
    """Whether the open database is a SQLite file (one writer at a time) rather than PostgreSQL."""
    return db.is_sqlite()


def autovacuum_off() -> bool:
    """The PostgreSQL server runs without autovacuum: its tables keep every row a worker moved on (a routed
    appeal, a sent reply) and its planner has no statistics, so the worker's polls slow down as they grow."""
    with db.connection():
        return db.autovacuum_off()


def open_database(url: str) -> None:
    """Bind the database of a URL without building a runtime (a command that only reads)."""
    db.open_database(url)


def close_database() -> None:
    db.close_database()


def migrate_database(now: datetime) -> list[int]:
    """Apply every pending numbered migration; the numbers applied (none when up to date)."""
    with db.connection():
        return migrate(now)
