"""One worker at a time on SQLite: an exclusive lock on a file beside the database.

SQLite serialises writers anyway, but two workers would both deliver the same alert between
reading and marking it. A second worker waits on the lock; the operating system releases it
when the holder exits or is killed, so a crashed worker never blocks the next one. On
PostgreSQL workers run side by side and claim rows with FOR UPDATE SKIP LOCKED instead.

There are two such locks: one for the jobs that decide (routing, the sweep, ...) and one for the
jobs that send (replies, alerts), which a worker runs on a thread of its own (engine.scheduler):
a slow platform or mail server never holds up routing, and each kind still runs in one worker
at a time.
"""

from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from .db import database, is_sqlite

log = logging.getLogger(__name__)


LOCK_FILES = {"jobs": "worker-lock", "sending": "sender-lock"}


def lock_path(kind: str = "jobs") -> Path | None:
    """The lock file of the SQLite database in use for this kind of job, or None when no lock is needed."""
    if not is_sqlite():
        return None
    name = database.obj.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(f"{name}.{LOCK_FILES[kind]}")


@contextmanager
def single_worker(kind: str = "jobs"):
    path = lock_path(kind)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another worker holds %s; waiting", path)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
