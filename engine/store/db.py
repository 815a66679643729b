"""The database handle: one proxy, bound at run time from APPEALS_DATABASE_URL."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect, parse

log = logging.getLogger(__name__)

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


def open_database(url: str):
    """Create the database object for a URL and bind the proxy to it."""
    if url.startswith("sqlite:"):
        path = parse(url).get("database") or ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def write_transaction():
    """A transaction that takes the write lock up front on SQLite (no upgrade deadlocks)."""
    if is_sqlite():
        return database.atomic("IMMEDIATE")
    return database.atomic()


@contextmanager
def connection():
    """A connection for a job or command; reuses one already open in this thread."""
    with database.connection_context():
        yield database


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()
