"""Draining an outbox: the one way staff alerts (engine.services.delivery) and replies to residents
(engine.services.reply_delivery) leave.

The due rows are read in id order, a page at a time. They are claimed GROUP at a time before they are sent
(a conditional update: of several workers only one takes each row; a worker that dies after claiming leaves
the rows due again when its lease of CLAIM_SECONDS lapses), then sent one by one:

- accepted: marked sent with what the platform answered;
- our own pacer's «not yet» (engine.replies.pacing.Deferred), for an outbox that can postpone: nothing was
  sent, the row is due again after ``retry_after``, and no attempt is counted;
- refused for now: tried again after the platform's ``retry_after`` or an exponential backoff with jitter,
  whichever is later;
- refused for good, or out of attempts (APPEALS_DELIVERY_MAX_ATTEMPTS): dead, and the outbox tells the
  administrators;
- a sender that fails in a way it did not foresee (any other exception) counts as an attempt refused for
  now, logged with its traceback: the row is never left claimed and uncounted, and the others still go.

What belongs to one table (which rows are due, how they are claimed, sent, marked and audited, whom a dead
one is reported to) comes in an ``Outbox``; its ``sent`` (for the rows of a group sent) and ``failed`` run in
the write transaction.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.alerts.message import DeliveryError
from engine.replies.pacing import Deferred
from engine.store.db import write_transaction

BASE_DELAY = 30  # seconds before the first retry; doubles each attempt
MAX_DELAY = 6 * 3600
CLAIM_SECONDS = 300  # a claimed row is due again after this, should its worker have died
GROUP = 10  # rows claimed together; a worker that dies may have sent a group's rows without recording them
RECHECK = timedelta(seconds=0.5)  # a group sending this long reads again which of its rows are still due


@dataclass(frozen=True)
class Failure:
    """A refused send, as the outbox records it: ``later`` is the next attempt (None when ``dead``)."""

    row: Any
    error: DeliveryError
    attempts: int
    dead: bool
    later: datetime | None
    now: datetime


@dataclass(frozen=True)
class Outbox:
    due: Callable[..., list]  # (now, *, after_id, limit): due rows (each with .id and .attempts) by id
    claim: Callable[[list[int], datetime, datetime], set[int]]  # (ids, now, lease_until): the ids it took
    send: Callable[[Any, datetime], Any]  # (row, now) -> receipt; raises DeliveryError
    sent: Callable[[list[tuple[Any, Any]], datetime], None]  # ([(row, receipt), ...], now): a group's sent rows
    failed: Callable[[Failure], None]
    describe: Callable[[Any], str]  # the row in the log: «alert 7 (appeal 3)»
    log: logging.Logger
    postpone: Callable[[int, datetime], None] | None = None  # (id, until): Deferred without an attempt
    # (ids): those of these claimed rows still to be sent (not withdrawn meanwhile), asked before a row whose
    # group has been sending for RECHECK; None: the rows of an outbox are never withdrawn
    still_due: Callable[[list[int]], set[int]] | None = None
    senders: tuple = ()  # closed when the drain ends (an SMTP sender's connection carries the drain's letters)


def retry_delay(attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter between half and the whole step."""
    step = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return timedelta(seconds=step * (0.5 + rng.random() / 2))


def drain(outbox: Outbox, report, *, now: datetime, max_attempts: int, page: int, rng: random.Random,
          clock: Callable[[], datetime] | None = None):
    """Send every row due at ``now`` once; counts go to ``report`` (sent, failed, dead, and deferred for an
    outbox that postpones), which is returned. The rows are claimed GROUP at a time, and what the sends of
    a group came to is written in the transaction that claims the next group, or alone after the last one:
    one write per group, not two per row (on PostgreSQL each statement is a round trip, on SQLite webhooks
    wait for each write). ``clock`` (the runtime's): a group whose sends have taken RECHECK since its rows
    were read asks which of the rest are still due (``Outbox.still_due``) before the next, so a row withdrawn
    meanwhile is not sent."""
    cursor, outcomes = 0, []
    recheck = clock if outbox.still_due is not None else None  # an outbox whose rows may be withdrawn
    try:
        while True:
            batch = outbox.due(now, after_id=cursor, limit=page)
            if not batch:
                return report
            cursor = batch[-1].id
            for start in range(0, len(batch), GROUP):
                group = batch[start:start + GROUP]
                lease_until = now + timedelta(seconds=CLAIM_SECONDS)
                with write_transaction():
                    _write(outbox, outcomes, now)
                    claimed = outbox.claim([row.id for row in group], now, lease_until)
                outcomes = []  # filled as the group goes: an interrupted drain still writes what it sent
                read_at = recheck() if recheck is not None else None
                for n, row in enumerate(group):
                    if row.id in claimed and read_at is not None and recheck() - read_at >= RECHECK:
                        claimed, read_at = _still_claimed(outbox, group[n:], claimed), recheck()
                    if row.id in claimed:
                        outcomes.append(_send(outbox, row, report, now, max_attempts, rng))
    finally:
        try:
            if outcomes:
                with write_transaction():
                    _write(outbox, outcomes, now)
        finally:
            for sender in outbox.senders:
                close = getattr(sender, "close", None)  # senders that keep nothing open have none
                if close is not None:
                    close()


def _still_claimed(outbox: Outbox, rest: list, claimed: set[int]) -> set[int]:
    """The claimed rows of `rest` still due; a row withdrawn since the group was read is left as it is."""
    waiting = [row.id for row in rest if row.id in claimed]
    due = outbox.still_due(waiting)
    for row in rest:
        if row.id in claimed and row.id not in due:
            outbox.log.info("%s: withdrawn while its group was being sent; not sent", outbox.describe(row))
    return due


@dataclass(frozen=True)
class _Sent:
    row: Any
    receipt: Any


def _write(outbox: Outbox, outcomes: list, now: datetime) -> None:
    """What a group's sends came to: the sent rows together, then each other outcome."""
    sent = [(outcome.row, outcome.receipt) for outcome in outcomes if isinstance(outcome, _Sent)]
    if sent:
        outbox.sent(sent, now)
    for outcome in outcomes:
        if not isinstance(outcome, _Sent):
            outcome()


def _send(outbox: Outbox, row, report, now: datetime, max_attempts: int, rng: random.Random) -> _Sent | Callable:
    """Send the claimed row; what it came to, to be written in a write transaction (`_write`)."""
    try:
        receipt = outbox.send(row, now)
    except DeliveryError as exc:
        if isinstance(exc, Deferred) and outbox.postpone is not None:
            report.deferred += 1
            until = now + timedelta(seconds=exc.retry_after)
            return lambda: outbox.postpone(row.id, until)
        return _failed(outbox, row, exc, report, now, max_attempts, rng)
    except Exception as exc:  # a sender's own fault: counted as an attempt, never a row left claimed
        outbox.log.exception("%s: the sender failed", outbox.describe(row))
        failure = DeliveryError(f"сбой при отправке ({type(exc).__name__}); подробности в журнале")
        return _failed(outbox, row, failure, report, now, max_attempts, rng)
    report.sent += 1
    return _Sent(row, receipt)


def _failed(outbox: Outbox, row, exc: DeliveryError, report, now: datetime, max_attempts: int,
            rng: random.Random) -> Callable[[], None]:
    attempts = row.attempts + 1
    dead = exc.permanent or attempts >= max_attempts
    later = None
    if not dead:
        later = now + max(retry_delay(attempts, rng), timedelta(seconds=exc.retry_after or 0))
    report.dead += dead
    report.failed += not dead
    outbox.log.warning("%s: delivery failed, attempt %s%s: %s", outbox.describe(row), attempts,
                       ", dead-lettered" if dead else "", exc)
    return lambda: outbox.failed(Failure(row=row, error=exc, attempts=attempts, dead=dead, later=later, now=now))
