"""Writers to one SQLite file take turns on a lock file beside it, and give up as SQLite would."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from peewee import OperationalError

from engine.store import db
from engine.store.db import database, write_transaction


@pytest.fixture
def sqlite_file(runtime):
    if not db.is_sqlite():
        pytest.skip("the writers' lock file is a SQLite matter")
    return database.obj.database


def test_a_writer_waits_for_the_turn_another_process_holds_and_writes_once_it_is_free(sqlite_file):
    # another open file: another process to flock (the first writer creates the file)
    other = os.open(f"{sqlite_file}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    wrote = threading.Event()

    def write():
        with db.connection(), write_transaction():
            database.execute_sql("CREATE TABLE IF NOT EXISTS turn_probe (x INTEGER)")
        wrote.set()

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    assert not wrote.is_set()  # still waiting for its turn
    fcntl.flock(other, fcntl.LOCK_UN)
    os.close(other)
    assert wrote.wait(5)
    writer.join()


def test_a_writer_that_gets_no_turn_within_the_busy_timeout_fails_like_sqlite(sqlite_file, monkeypatch):
    monkeypatch.setattr(db, "WRITE_WAIT", 0.2)
    other = os.open(f"{sqlite_file}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), write_transaction():
            pass
        assert 0.2 <= time.monotonic() - started < 2
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    with write_transaction():  # the turn is free again, and this thread's lock was given back
        database.execute_sql("CREATE TABLE IF NOT EXISTS turn_probe (x INTEGER)")
