"""The database handle: one proxy, bound at run time from APPEALS_DATABASE_URL."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from peewee import (
    DatabaseProxy,
    InterfaceError,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    __exception_wrapper__,
)
from playhouse.db_url import connect, parse
from playhouse.pool import MaxConnectionsExceeded, PooledDatabase, PooledPostgresqlDatabase

log = logging.getLogger(__name__)

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    # A commit that finds the WAL over this many pages copies it back into the database (and
    # syncs) before it returns. The worker does that twice a second, mostly without stopping writers
    # (see `checkpoint`), so a webhook rarely pays for it; this is the ceiling when no worker runs.
    "wal_autocheckpoint": 10000,
    # a replaced or deleted value is overwritten, not left in a free page: a rotated channel secret
    # does not linger in the file (engine/store/encryption.py)
    "secure_delete": 1,
}


# Connections are pooled: a request or job takes one and gives it back, so a web worker thread
# does not pay for opening SQLite (pragmas, WAL checkpoint on close) or a PostgreSQL session
# each time. Threads wait up to POOL_WAIT seconds when POOL_SIZE connections are all in use.
POOL_SIZE = 32
WRITE_WAIT = SQLITE_PRAGMAS["busy_timeout"] / 1000  # seconds a writer waits for its turn, as SQLite would
POOL_WAIT = 10
POOL_STALE_SECONDS = 600
ASK_AFTER_IDLE_SECONDS = 1.0  # a PostgreSQL connection back in the pool for less is taken without asking the server


class _PooledPostgres(PooledPostgresqlDatabase):
    """peewee's pool asks the server (``SELECT 1``) whether a connection still lives every time one is taken:
    a round trip before every request and job, a sixth of the statements a routed appeal costs. Here only a
    connection that sat in the pool for ASK_AFTER_IDLE_SECONDS or more is asked; one given back just now is
    taken when psycopg itself knows it open and idle. A server that went away within that second fails the
    statement instead, which the caller sees as unavailable (503, tried again later) as at any other moment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._given_back: dict[int, float] = {}  # connection key -> when it came back to the pool

    def _can_reuse(self, conn) -> bool:
        reusable = super()._can_reuse(conn)
        if reusable:
            self._given_back[self.conn_key(conn)] = time.monotonic()
        return reusable

    def _is_closed(self, conn) -> bool:
        given_back = self._given_back.pop(self.conn_key(conn), None)
        if conn.closed or conn.broken:
            return True
        if (given_back is not None and time.monotonic() - given_back < ASK_AFTER_IDLE_SECONDS
                and self._adapter.txn_status(conn) == self._adapter.txn_idle):
            return False
        return super()._is_closed(conn)


def open_database(url: str):
    """Create the database object for a URL and bind the proxy to it (the previous one is closed)."""
    close_database()
    pool = {"max_connections": POOL_SIZE, "timeout": POOL_WAIT, "stale_timeout": POOL_STALE_SECONDS}
    if url.startswith("sqlite:"):
        path = parse(url).get("database") or ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            url = url.replace("sqlite:", "sqlite+pool:", 1)
            db = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **pool)
        else:
            db = connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
    elif url.split(":", 1)[0] in ("postgres", "postgresql"):
        db = _PooledPostgres(**parse(url), **pool)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def autovacuum_off() -> bool:
    """PostgreSQL runs without autovacuum (a server's setting; SQLite has none)."""
    if not is_postgres():
        return False
    return database.execute_sql("SHOW autovacuum").fetchone()[0] != "on"


# SQLite has one writer at a time, and a writer that finds the database locked sleeps in SQLite's
# busy handler (1, 2, 5, 10 ms ...) before it looks again. Our writers queue instead: the threads of
# a process on a lock, the processes on an exclusive lock of a file beside the database (the kernel
# wakes the next one the moment it is released). Other programs still meet in the busy handler.
_sqlite_writer = threading.RLock()
_writer_file: dict[str, tuple[int, int]] = {}  # database path -> (pid, descriptor), reopened after a fork
_writer_depth = 0


@contextmanager
def write_transaction():
    """A transaction that takes the write lock up front on SQLite (no upgrade deadlocks)."""
    if not is_sqlite():
        with database.atomic():
            yield
        return
    with writers_turn(), database.atomic("IMMEDIATE"):
        yield


@contextmanager
def writers_turn():
    """This process's and this thread's turn among our SQLite writers, without a transaction: what
    `write_transaction` holds around its own, and what the checkpoint holds to finish the log. Taken
    again inside, it only counts."""
    global _writer_depth
    deadline = time.monotonic() + WRITE_WAIT
    with threads_turn():
        fd = _writer_lock_fd() if _writer_depth == 0 else None
        if fd is not None:
            _lock_file(fd, deadline)
        _writer_depth += 1
        try:
            yield
        finally:
            _writer_depth -= 1
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def threads_turn():
    """This thread's turn among the writers of this process only: the first half of `writers_turn`,
    which a thread holds to learn whether another one wrote for it meanwhile before it asks the other
    processes for their turn (engine.store.receipts)."""
    if not _sqlite_writer.acquire(timeout=WRITE_WAIT):
        raise OperationalError(f"database is locked: no write turn within {WRITE_WAIT:.0f} s")
    try:
        yield
    finally:
        _sqlite_writer.release()


def _lock_file(fd: int, deadline: float) -> None:
    """The exclusive lock of the writers' file, or OperationalError at the deadline (as SQLite's busy
    timeout would). Looked at again after 20 µs, doubling up to 0.2 ms: a turn takes about that."""
    pause = 0.00002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError(f"database is locked: no write turn within {WRITE_WAIT:.0f} s") from None
        time.sleep(pause)
        pause = min(pause * 2, 0.0002)


def _writer_lock_fd() -> int | None:
    name = database.obj.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    pid = os.getpid()
    known = _writer_file.get(name)
    if known is None or known[0] != pid:
        _writer_file[name] = (pid, os.open(f"{name}.write-lock", os.O_RDWR | os.O_CREAT, 0o600))
    return _writer_file[name][1]


def execute_as_planned_now(sql: str, params) -> object:
    """`database.execute_sql`, but on PostgreSQL planned for these values each time it runs. psycopg
    prepares a statement run five times on a connection, and PostgreSQL then keeps one generic plan for
    it when that plan looks no dearer than the plans made for the values: for a range of recent moments,
    beyond what the statistics have seen, it guesses a few rows, so the batch's repeat lookups went
    through the `received_at` index and compared every appeal of the last 30 days with the batch's
    200 authors (25–32 ms a batch in the pipeline bench; planned for the values, the count took 7 ms).
    SQLite plans each statement for itself anyway."""
    if not is_postgres():
        return database.execute_sql(sql, params)
    with __exception_wrapper__:
        cursor = database.cursor()
        cursor.execute(sql, params or (), prepare=False)
    return cursor


@contextmanager
def read_snapshot():
    """A read-only transaction whose statements all see the database as it was at its first one: a
    page built from several reads (an appeal, its decision, its conversation, its timeline) never
    shows half of a routing batch another process commits meanwhile. PostgreSQL: REPEATABLE READ,
    READ ONLY; SQLite (WAL): a deferred transaction reads one snapshot. Inside a transaction
    already open it only joins it."""
    if database.in_transaction():
        yield
        return
    with database.atomic():
        if is_postgres():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def checkpoint() -> None:
    """Copy the SQLite write-ahead log back into the database: the worker's job, twice a second. First
    without stopping anyone (PASSIVE), which copies the bulk; then, in the writers' turn, the few pages
    committed meanwhile, so that the log is wholly copied and the next writer starts it over from its
    beginning. A log that is written to without pause is otherwise never wholly copied: it grows until a
    commit finds it over `wal_autocheckpoint` pages and copies it back itself, with every writer waiting
    (about 30 ms every 1.5 s at a steady 200 appeals/s). Twice a second, not once: at that load the log
    grows 8,000–10,000 pages a second, so once a second it often reached those pages first, and the
    larger second pass held the turn 11–19 ms instead of 8–11. Nothing to do on PostgreSQL."""
    if not is_sqlite():
        return
    with database.connection_context():
        if database.in_transaction():  # a caller's open transaction would hold the log back
            return
        _copy_back()
        with writers_turn():
            _copy_back()


def _copy_back() -> None:
    database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


@contextmanager
def connection():
    """A connection for a job or command; reuses one already open in this thread."""
    with database.connection_context():
        yield database


def release_connection() -> None:
    """Give this thread's connection back (to the pool, when the database has one)."""
    if database.obj is not None and not database.is_closed():
        database.close()


# SQLite's answers that mean "not now" rather than "this is wrong": another writer, a file that
# cannot be opened or read at the moment.
_SQLITE_NOT_NOW = ("database is locked", "database table is locked", "unable to open database file",
                   "disk i/o error", "database or disk is full")


def is_unavailable(exc: BaseException) -> bool:
    """``exc`` says the database cannot serve right now, so the caller may retry later: a lost,
    refused or terminated PostgreSQL connection (or a server shutting down), no free pooled
    connection, SQLite locked or unreadable. A wrong statement or a broken constraint is not."""
    import psycopg

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, MaxConnectionsExceeded)):
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            if is_postgres() or any(m in str(exc).lower() for m in _SQLITE_NOT_NOW):
                return True
            driver = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
            if driver is not None and driver is not exc and is_unavailable(driver):
                return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def discard_connection() -> None:
    """Drop this thread's connection without giving it back to the pool: after it was lost, the
    next request or job opens a fresh one."""
    if database.obj is None or database.is_closed():
        return
    try:
        if isinstance(database.obj, PooledDatabase):
            database.obj.manual_close()
        else:
            database.close()
    except Exception:  # the connection is already gone; only forgetting it matters
        log.debug("closing a lost connection failed", exc_info=True)
        database.obj._state.reset()


def close_database() -> None:
    """Close this thread's connection and every idle pooled one: on shutdown or before rebinding."""
    release_connection()
    if isinstance(database.obj, PooledDatabase):
        database.obj.close_idle()
