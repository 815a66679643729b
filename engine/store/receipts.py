"""Receipts of one process written together on SQLite.

A webhook's receipt is two rows (the appeal and its audit line) and, alone, a transaction of its own:
the writers' turn, BEGIN, the two inserts and a commit that appends a dozen pages to the log (each of
the appeal's indexes changes a page). When several threads of a process receive at once, they queue
for the turn anyway; here the thread whose turn comes writes every receipt waiting at that moment, its
own and those queued behind it, in one transaction, each under a savepoint of its own: a repeated
external id (or any failure of one receipt) undoes that receipt alone, and the others are committed.
The threads it wrote for find their receipts done when their turn comes and leave without asking the
other processes for theirs. A receipt counts as stored only once the commit returned: a failed commit
fails every receipt of the group. At most one receipt per thread waits, so a group is never larger
than the process's threads."""

from __future__ import annotations

import threading
from contextlib import ExitStack

from peewee import IntegrityError, OperationalError

from .db import database, threads_turn, write_transaction
from .models import AppealRecord, AuditRecord
from .statements import insert_row


class _Receipt:
    __slots__ = ("appeal_id", "audit", "done", "error", "row")

    def __init__(self, row: dict, audit: dict):
        self.row, self.audit = row, audit
        self.appeal_id: int | None = None
        self.error: BaseException | None = None
        self.done = False


_waiting: list[_Receipt] = []
_waiting_lock = threading.Lock()


def insert_together(row: dict, audit: dict, *, repeat: type[Exception]) -> int:
    """Insert an appeal's `row` and its `audit` line (whose `appeal` is filled in) with whatever other
    threads of this process are storing at the moment; returns the appeal's id. A unique-key failure of
    the appeal raises `repeat`; another failure of this receipt or of the group's commit is raised as it
    came. Only for SQLite, outside a transaction."""
    mine = _Receipt(row, audit)
    with _waiting_lock:
        _waiting.append(mine)
    with ExitStack() as turn:
        try:
            turn.enter_context(threads_turn())
        except BaseException:  # no turn within the busy timeout: withdrawn, unless a writing thread has it
            with _waiting_lock:
                if mine in _waiting:
                    _waiting.remove(mine)
            raise  # (one that has it may store it: the channel's retry then finds it stored)
        if not mine.done:  # nobody wrote it meanwhile: this thread writes every receipt waiting
            with _waiting_lock:
                group = _waiting[:]
                _waiting.clear()
            _write(group, repeat)
    if mine.error is not None:
        raise mine.error
    return mine.appeal_id


def _write(group: list[_Receipt], repeat: type[Exception]) -> None:
    written: dict[int, int] = {}  # position in the group → appeal id, stored once the commit returned
    failed: dict[int, Exception] = {}
    try:
        with write_transaction():
            for n, receipt in enumerate(group):
                try:
                    with database.atomic():  # a savepoint: this receipt alone is undone when it fails
                        appeal_id = _insert_appeal(receipt.row, repeat)
                        insert_row(AuditRecord, {**receipt.audit, "appeal": appeal_id})
                    written[n] = appeal_id
                except Exception as exc:  # this receipt's failure, raised by its own thread
                    failed[n] = exc
    except BaseException as exc:  # the turn or the commit failed: nothing of the group is stored
        # an interrupt of this thread goes on up here; the threads it wrote for are told their
        # receipts were not stored, as a database that cannot serve now (their channels retry)
        lost = exc if isinstance(exc, Exception) else OperationalError(
            "database is locked: the thread writing this receipt stopped before its commit")
        for n, receipt in enumerate(group):
            receipt.error = failed.get(n, lost)
        raise
    else:
        for n, receipt in enumerate(group):
            receipt.appeal_id, receipt.error = written.get(n), failed.get(n)
    finally:
        for receipt in group:
            receipt.done = True


def _insert_appeal(row: dict, repeat: type[Exception]) -> int:
    try:
        return insert_row(AppealRecord, row)
    except IntegrityError as exc:
        raise repeat(f"{row['channel']}/{row['external_id']}") from exc
