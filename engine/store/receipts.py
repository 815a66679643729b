"""Receipts of one process written together on SQLite.

A webhook's receipt is two rows (the appeal and its audit line) and, alone, a transaction of its own:
the writers' turn, BEGIN, the two inserts and a commit that appends a dozen pages to the log (each of
the appeal's indexes changes a page). When several threads of a process receive at once, they queue
for the turn anyway; here the thread whose turn comes runs every write waiting at that moment, its
own and those queued behind it, in one transaction, each under a savepoint of its own: a repeated
external id (or any failure of one write) undoes that write alone, and the others are committed. A write
alone needs no savepoint (its failure undoes the transaction, which holds nothing else): two statements
fewer for most receipts of a steady load.
The threads it wrote for find theirs done when their turn comes and leave without asking the other
processes for theirs. A write counts as done only once the commit returned: a failed commit fails
every write of the group. At most one write per thread waits, so a group is never larger than the
process's threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from typing import TypeVar

from peewee import OperationalError

from .db import database, threads_turn, write_transaction

T = TypeVar("T")


class _Waiting:
    __slots__ = ("done", "error", "result", "write")

    def __init__(self, write: Callable[[], object]):
        self.write = write
        self.result: object = None
        self.error: BaseException | None = None
        self.done = False


_waiting: list[_Waiting] = []
_waiting_lock = threading.Lock()


def write_together(write: Callable[[], T]) -> T:
    """Run `write` (a few statements, no transaction of its own) in one transaction with whatever other
    threads of this process are writing this way at the moment; its result once the transaction is
    committed. What `write` raises is raised here, and undoes its statements alone; a failed commit is
    raised in every thread of the group. Only for SQLite, outside a transaction."""
    mine = _Waiting(write)
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
        if not mine.done:  # nobody wrote it meanwhile: this thread runs every write waiting
            with _waiting_lock:
                group = _waiting[:]
                _waiting.clear()
            _write(group)
    if mine.error is not None:
        raise mine.error
    return mine.result


def _write(group: list[_Waiting]) -> None:
    results: dict[int, object] = {}  # position in the group → result, valid once the commit returned
    failed: dict[int, Exception] = {}
    alone = len(group) == 1  # its failure undoes the transaction, which holds nothing else: no savepoint
    try:
        with write_transaction():
            for n, waiting in enumerate(group):
                try:
                    with nullcontext() if alone else database.atomic():  # a savepoint: this write alone undone
                        results[n] = waiting.write()
                except Exception as exc:  # this write's failure, raised by its own thread
                    failed[n] = exc
                    if alone:
                        raise
    except BaseException as exc:  # the turn or the commit failed: nothing of the group is stored
        # an interrupt of this thread goes on up here; the threads it wrote for are told their
        # writes were not stored, as a database that cannot serve now (their channels retry)
        lost = exc if isinstance(exc, Exception) else OperationalError(
            "database is locked: the thread writing this receipt stopped before its commit")
        for n, waiting in enumerate(group):
            waiting.error = failed.get(n, lost)
        raise
    else:
        for n, waiting in enumerate(group):
            waiting.result, waiting.error = results.get(n), failed.get(n)
    finally:
        for waiting in group:
            waiting.done = True
