"""The worker's checkpoint copies the whole SQLite log back, writes landing during it included, so the
next writer starts the log over instead of a commit finding it long and copying it back itself."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
import threading
import time

import pytest

from engine.store import db
from engine.store.db import database, write_transaction

PAD = "x" * 3000  # a row of about a page: each write adds a few pages to the log


@pytest.fixture
def sqlite_file(runtime):
    if not db.is_sqlite():
        pytest.skip("the write-ahead log is a SQLite matter")
    with db.connection(), write_transaction():
        database.execute_sql("CREATE TABLE IF NOT EXISTS log_probe (id INTEGER PRIMARY KEY, pad TEXT)")
    return database.obj.database


def log_state(path: str) -> tuple[int, int]:
    """(pages in the log, pages of it copied back), as the log's shared index records them: the index
    header (48 bytes, kept twice) holds the log's last frame at byte 16, the checkpoint's progress
    follows at byte 96 (SQLite's WAL format)."""
    with open(f"{path}-shm", "rb") as index:
        head = index.read(100)
    return struct.unpack_from("=I", head, 16)[0], struct.unpack_from("=I", head, 96)[0]


def write_rows(n: int) -> None:
    with db.connection():
        for _ in range(n):
            with write_transaction():
                database.execute_sql("INSERT INTO log_probe (pad) VALUES (?)", (PAD,))


def test_pages_the_first_pass_could_not_copy_are_copied_in_the_writers_turn_and_the_log_starts_over(
        sqlite_file, monkeypatch):
    write_rows(20)
    reader = sqlite3.connect(sqlite_file, isolation_level=None)  # a request reading meanwhile
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM log_probe").fetchone()  # its snapshot: the first 20 rows
    write_rows(3)  # webhooks go on writing past it
    copy_back, passes = db._copy_back, []

    def copy_back_noting_the_log():
        copy_back()
        passes.append(log_state(sqlite_file))
        if len(passes) == 1:
            reader.execute("COMMIT")  # the request is done before the second pass

    monkeypatch.setattr(db, "_copy_back", copy_back_noting_the_log)
    try:
        db.checkpoint()
    finally:
        reader.close()
    (first_pages, first_copied), (pages, copied) = passes
    assert 0 < first_copied < first_pages  # the first pass alone leaves the newest pages behind
    assert copied == pages == first_pages  # the pass in the writers' turn copied them: the log is whole

    write_rows(1)
    restarted, _ = log_state(sqlite_file)
    assert 0 < restarted < 10 < pages  # the next writer started the log over from its beginning


def test_the_finishing_pass_waits_for_the_writers_turn(sqlite_file):
    write_rows(5)
    other = os.open(f"{sqlite_file}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)  # another process's turn
    fcntl.flock(other, fcntl.LOCK_EX)
    done = threading.Event()
    checkpointing = threading.Thread(target=lambda: (db.checkpoint(), done.set()))
    try:
        checkpointing.start()
        time.sleep(0.3)
        assert not done.is_set()  # the first pass ran; the second waits for the turn
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    assert done.wait(5)
    checkpointing.join()
    pages, copied = log_state(sqlite_file)
    assert copied == pages > 0


def test_inside_an_open_transaction_the_checkpoint_leaves_the_log_alone(sqlite_file):
    write_rows(5)
    before = log_state(sqlite_file)
    with db.connection(), write_transaction():
        database.execute_sql("INSERT INTO log_probe (pad) VALUES (?)", (PAD,))
        db.checkpoint()  # neither fails nor waits for the turn this thread already holds
    pages, copied = log_state(sqlite_file)
    assert pages > before[0] and copied == before[1]
