"""The conversation with the resident: replies waiting for delivery, sent or dead, and the author's
own messages (follow-ups). Written by the services that decide a reply is due and by the channels
that receive the author's messages; drained by the reply delivery job."""

from __future__ import annotations

from datetime import datetime

from peewee import Case, fn

from . import shapes
from .claims import claim_due
from .db import database
from .models import AuthorMessageRecord, ClockRecord
from .row_statements import first_where
from .statements import insert_unless_conflict, insert_values_unless_conflict_returning

DIRECTIONS = ("out", "in")
MESSAGE_STATUSES = ("pending", "sent", "dead", "received", "manual", "cancelled")

_FIELDS = frozenset(f.name for f in AuthorMessageRecord._meta.sorted_fields if f.name != "id")


def add_outgoing(*, appeal_id: int, kind: str, route: str, address: dict, text: str, idempotency_key: str,
                 now: datetime, not_before: datetime | None = None, status: str = "pending",
                 actor: str | None = None, details: dict | None = None) -> bool:
    """Queue a reply to the author unless its idempotency key exists; True when this call queued it.
    A pending reply is delivered from ``not_before`` on (at once by default); ``status`` "manual" is a
    reply an operator posts by hand (nothing is sent)."""
    return _add(**outgoing_row(appeal_id=appeal_id, kind=kind, route=route, address=address, text=text,
                               idempotency_key=idempotency_key, now=now, not_before=not_before, status=status,
                               actor=actor, details=details))


def outgoing_row(*, appeal_id: int, kind: str, route: str, address: dict, text: str, idempotency_key: str,
                 now: datetime, not_before: datetime | None = None, status: str = "pending",
                 actor: str | None = None, details: dict | None = None) -> dict:
    """The columns ``add_outgoing`` writes (``add_outgoing_many`` takes a list of them)."""
    if status not in ("pending", "manual", "cancelled"):
        raise ValueError(f"an outgoing message starts pending, manual or cancelled, not {status!r}")
    return dict(appeal=appeal_id, direction="out", kind=kind, route=route, address=address, text=text,
                status=status, idempotency_key=idempotency_key, created_at=now, actor=actor,
                details=details or {}, next_attempt_at=(not_before or now) if status == "pending" else None)


def add_outgoing_many(rows: list[dict]) -> dict[str, int]:
    """``add_outgoing`` for many replies (rows of ``outgoing_row``) in multi-row statements: the id of each
    reply this call queued, by idempotency key (a key that exists is left out)."""
    for row in rows:
        _check(row)
    inserted = insert_values_unless_conflict_returning(
        AuthorMessageRecord, [{"attempts": 0, **row} for row in rows], conflict=("idempotency_key",),
        returning=("idempotency_key", "id"))
    return dict(inserted)


def add_incoming(*, appeal_id: int, kind: str, route: str, address: dict, text: str, idempotency_key: str,
                 now: datetime, platform_id: str | None = None, actor: str | None = None,
                 details: dict | None = None) -> bool:
    """Record a message the author sent (a follow-up, a message on an open appeal) unless its key exists."""
    return _add(appeal=appeal_id, direction="in", kind=kind, route=route, address=address, text=text,
                status="received", idempotency_key=idempotency_key, created_at=now, sent_at=now,
                platform_id=platform_id, actor=actor, details=details or {})


def _add(**values) -> bool:
    _check(values)
    return insert_unless_conflict(AuthorMessageRecord, {"attempts": 0, **values}, conflict=("idempotency_key",))


def _check(values: dict) -> None:
    unknown = values.keys() - _FIELDS
    if unknown:
        raise TypeError(f"unknown author message fields {sorted(unknown)}")


def of_appeal(appeal_id: int) -> list[AuthorMessageRecord]:
    """The whole conversation of one appeal, oldest first."""
    return list(AuthorMessageRecord.select().where(AuthorMessageRecord.appeal == appeal_id)
                .order_by(AuthorMessageRecord.created_at, AuthorMessageRecord.id))


def by_key(idempotency_key: str) -> AuthorMessageRecord | None:
    return first_where(AuthorMessageRecord, idempotency_key=idempotency_key)


def due(now: datetime, *, after_id: int, limit: int) -> list[AuthorMessageRecord]:
    """Outgoing messages due for delivery at ``now``, by id from ``after_id`` on."""
    return list(
        AuthorMessageRecord.select()
        .where((AuthorMessageRecord.status == "pending") & (AuthorMessageRecord.next_attempt_at <= now)
               & (AuthorMessageRecord.id > after_id))
        .order_by(AuthorMessageRecord.id)
        .limit(limit)
    )


def claim(message_ids: list[int], now: datetime, lease_until: datetime) -> set[int]:
    """Take due messages for delivery (engine.store.claims): the ids taken."""
    return claim_due(AuthorMessageRecord, message_ids, now, lease_until)


def still_pending(message_ids: list[int]) -> set[int]:
    """Which of these messages are still to be sent (not withdrawn by ``cancel_waiting`` meanwhile)."""
    if not message_ids:
        return set()
    return {row[0] for row in AuthorMessageRecord.select(AuthorMessageRecord.id).where(
        AuthorMessageRecord.id.in_(message_ids) & (AuthorMessageRecord.status == "pending")).tuples()}


def mark_sent(message_id: int, now: datetime, *, platform_id: str | None) -> bool:
    """Delivered. Also when ``cancel_waiting`` withdrew it while the worker was sending it: the resident has
    it, and a withdrawn message is put back (``restore_cancelled``) to be sent, which must not happen twice."""
    return bool(mark_sent_many({message_id: platform_id}, now))


def mark_sent_many(platform_ids: dict[int, str | None], now: datetime) -> int:
    """`mark_sent` for several messages in one statement (message id -> the platform's id of it, or None);
    the count marked."""
    def build(p):
        return AuthorMessageRecord.update(
            status="sent", sent_at=p.now, attempts=AuthorMessageRecord.attempts + 1, last_error=None,
            next_attempt_at=None, platform_id=Case(AuthorMessageRecord.id, list(zip(p.messages, p.platform_ids,
                                                                                     strict=True)))).where(
            AuthorMessageRecord.id.in_(p.messages) & AuthorMessageRecord.status.in_(("pending", "cancelled")))

    return shapes.execute("reply-sent", build, fields={"now": AuthorMessageRecord.sent_at},
                          messages=list(platform_ids), platform_ids=list(platform_ids.values()), now=now)


def mark_failed(message_id: int, *, error: str, next_attempt_at: datetime | None, dead: bool) -> None:
    """An attempt failed: due again at ``next_attempt_at``, or dead. A message withdrawn while it was being
    sent stays withdrawn (a failure does not queue it again)."""
    AuthorMessageRecord.update(
        status="dead" if dead else "pending",
        attempts=AuthorMessageRecord.attempts + 1,
        last_error=error[:2000],
        next_attempt_at=None if dead else next_attempt_at,
    ).where((AuthorMessageRecord.id == message_id) & (AuthorMessageRecord.status == "pending")).execute()


def add_details(message_id: int, extra: dict) -> None:
    """Keep ``extra`` in an outgoing message's details (beside what is there)."""
    row = AuthorMessageRecord.get_by_id(message_id)
    AuthorMessageRecord.update(details=dict(row.details or {}) | extra).where(
        AuthorMessageRecord.id == message_id).execute()


def cancel_waiting(appeal_id: int) -> list[AuthorMessageRecord]:
    """Withdraw the appeal's replies not sent yet (queued or waiting for an operator): nothing of them
    reaches the resident. The messages withdrawn, as they were."""
    rows = list(AuthorMessageRecord.select().where(
        (AuthorMessageRecord.appeal == appeal_id) & (AuthorMessageRecord.direction == "out")
        & AuthorMessageRecord.status.in_(("pending", "manual"))).order_by(AuthorMessageRecord.id))
    if rows:
        AuthorMessageRecord.update(status="cancelled", next_attempt_at=None).where(
            AuthorMessageRecord.id.in_([r.id for r in rows])
            & AuthorMessageRecord.status.in_(("pending", "manual"))).execute()
    return rows


def restore_cancelled(previous: dict[int, str], now: datetime) -> list[int]:
    """Put replies ``cancel_waiting`` withdrew back as they were (``previous``: id → status then); a queued
    one is due now. The ids restored (those still withdrawn)."""
    restored = []
    for message_id, status in sorted(previous.items()):
        if status not in ("pending", "manual"):
            continue
        changed = AuthorMessageRecord.update(status=status, next_attempt_at=now if status == "pending" else None
                                             ).where((AuthorMessageRecord.id == message_id)
                                                     & (AuthorMessageRecord.status == "cancelled")).execute()
        if changed:
            restored.append(message_id)
    return restored


def postpone(message_id: int, until: datetime) -> None:
    """Nothing was sent (our own pace said wait): due again at ``until``, the attempt not counted."""
    AuthorMessageRecord.update(next_attempt_at=until).where(
        (AuthorMessageRecord.id == message_id) & (AuthorMessageRecord.status == "pending")).execute()


def list_outgoing(*, status: str | None = None, appeal_id: int | None = None, before_id: int | None = None,
                  limit: int = 200) -> list[AuthorMessageRecord]:
    """Replies to authors, newest first (what the administrator looks at: ``status="dead"``)."""
    query = AuthorMessageRecord.select().where(AuthorMessageRecord.direction == "out")
    if status:
        query = query.where(AuthorMessageRecord.status == status)
    if appeal_id:
        query = query.where(AuthorMessageRecord.appeal == appeal_id)
    if before_id:
        query = query.where(AuthorMessageRecord.id < before_id)
    return list(query.order_by(AuthorMessageRecord.id.desc()).limit(limit))


def get_outgoing(message_id: int) -> AuthorMessageRecord | None:
    return AuthorMessageRecord.get_or_none((AuthorMessageRecord.id == message_id)
                                           & (AuthorMessageRecord.direction == "out"))


def requeue(message_id: int, now: datetime) -> bool:
    """A dead reply is due again now (its idempotency key unchanged, so a platform still drops a repeat)."""
    return bool(
        AuthorMessageRecord.update(status="pending", next_attempt_at=now, attempts=0)
        .where((AuthorMessageRecord.id == message_id) & (AuthorMessageRecord.status == "dead"))
        .execute()
    )


def counts_by_status() -> dict[str, int]:
    rows = (AuthorMessageRecord.select(AuthorMessageRecord.status, fn.COUNT(AuthorMessageRecord.id).alias("n"))
            .where(AuthorMessageRecord.direction == "out").group_by(AuthorMessageRecord.status))
    return {row.status: row.n for row in rows}


def latest_outgoing(appeal_ids: list[int]) -> dict[int, AuthorMessageRecord]:
    """The latest message to the author of each appeal (queued, sent or not), by appeal id."""
    if not appeal_ids:
        return {}
    rows = (AuthorMessageRecord.select()
            .where(AuthorMessageRecord.appeal.in_(appeal_ids) & (AuthorMessageRecord.direction == "out")
                   & (AuthorMessageRecord.status != "cancelled"))
            .order_by(AuthorMessageRecord.created_at, AuthorMessageRecord.id))
    return {row.appeal_id: row for row in rows}


_RUNNING_DUES: dict[str, str] = {}


def running_dues(appeal_id: int) -> list[tuple[str, datetime]]:
    """(clock kind, due time) of the appeal's clocks still running, by clock id: what a message to the author
    names as its term. Two columns, its SQL built once (asked for every message queued one at a time)."""
    sql = _RUNNING_DUES.get(type(database.obj).__name__)
    if sql is None:
        query = (ClockRecord.select(ClockRecord.kind, ClockRecord.due_at)
                 .where((ClockRecord.appeal == 0) & ClockRecord.stopped_at.is_null()).order_by(ClockRecord.id))
        sql = _RUNNING_DUES[type(database.obj).__name__] = query.sql()[0]
    rows = database.execute_sql(sql, (appeal_id,)).fetchall()
    return [(kind, ClockRecord.due_at.python_value(due)) for kind, due in rows]


def running_dues_of(appeal_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    """``running_dues`` of many appeals in one statement, by appeal id (an appeal with none left out)."""
    out: dict[int, list[tuple[str, datetime]]] = {}
    if appeal_ids:
        rows = shapes.tuples("running-dues-of", lambda p: ClockRecord.select(
            ClockRecord.appeal, ClockRecord.kind, ClockRecord.due_at).where(
            ClockRecord.appeal.in_(p.appeals) & ClockRecord.stopped_at.is_null()).order_by(ClockRecord.id),
            appeals=list(appeal_ids))
        for appeal_id, kind, due in rows:
            out.setdefault(appeal_id, []).append((kind, due))
    return out
