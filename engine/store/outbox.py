"""The alert outbox: written by the sweep, drained by delivery."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from .appeal_lists import scope_condition
from .claims import claim_due
from .models import AlertRecord, AppealRecord, ClockRecord
from .statements import insert_unless_conflict, insert_values_unless_conflict

# an alert's delivery states; "digested": not sent by itself but listed in a catch-up letter (its receipt names it)
ALERT_STATUSES = ("pending", "sent", "dead", "superseded", "digested")


_FIELDS = frozenset(f.name for f in AlertRecord._meta.sorted_fields if f.name != "id")


def enqueue(*, now: datetime, status: str = "pending", not_before: datetime | None = None, **fields) -> bool:
    """Insert an alert unless its idempotency key exists; True when this call inserted it.

    A pending alert is delivered from `not_before` on (quiet hours), at once by default. One
    plain INSERT … ON CONFLICT DO NOTHING (the sweep writes many: a statement built once and no
    savepoint per row make it several times cheaper)."""
    return insert_unless_conflict(AlertRecord, alert_row(now=now, status=status, not_before=not_before, **fields),
                                  conflict=("idempotency_key",))


def alert_row(*, now: datetime, status: str = "pending", not_before: datetime | None = None, **fields) -> dict:
    """The columns `enqueue` writes for an alert."""
    values = {"created_at": now, "status": status, "attempts": 0, "repeat": 0,
              "next_attempt_at": (not_before or now) if status == "pending" else None, **fields}
    unknown = values.keys() - _FIELDS
    if unknown:
        raise TypeError(f"unknown alert fields {sorted(unknown)}")
    return values


def enqueue_many(rows: list[dict]) -> set[str]:
    """Insert the alerts (rows of `alert_row`) whose idempotency keys do not exist, in multi-row
    statements; the keys of those this call inserted."""
    return insert_values_unless_conflict(AlertRecord, rows, conflict=("idempotency_key",), returning="idempotency_key")


def pending(now: datetime, *, after_id: int, limit: int) -> list[AlertRecord]:
    return list(
        AlertRecord.select()
        .where((AlertRecord.status == "pending") & (AlertRecord.next_attempt_at <= now) & (AlertRecord.id > after_id))
        .order_by(AlertRecord.id)
        .limit(limit)
    )


def claim(alert_ids: list[int], now: datetime, lease_until: datetime) -> set[int]:
    """Take due alerts for delivery (engine.store.claims): the ids taken."""
    return claim_due(AlertRecord, alert_ids, now, lease_until)


def mark_sent(alert_id: int, now: datetime, receipt: str | None = None) -> int:
    return (
        AlertRecord.update(status="sent", sent_at=now, attempts=AlertRecord.attempts + 1, last_error=None,
                           next_attempt_at=None, receipt=receipt)
        .where((AlertRecord.id == alert_id) & (AlertRecord.status == "pending"))
        .execute()
    )


def mark_failed(alert_id: int, *, error: str, next_attempt_at: datetime | None, dead: bool) -> None:
    """An attempt failed: due again at ``next_attempt_at``, or dead. An alert folded into a catch-up letter
    while it was being sent stays folded (a failure does not queue it again)."""
    AlertRecord.update(
        status="dead" if dead else "pending",
        attempts=AlertRecord.attempts + 1,
        last_error=error[:2000],
        next_attempt_at=next_attempt_at,
    ).where((AlertRecord.id == alert_id) & (AlertRecord.status == "pending")).execute()


def list_alerts(*, status: str | None, recipient: str | None, appeal_id: int | None, limit: int = 200,
                acknowledged: bool | None = None, after_id: int | None = None,
                scope: tuple[frozenset[str], str | None, frozenset[str] | None] | None = None):
    """`scope` = (bodies, official, sectors): only alerts about appeals of those bodies or of those sector
    blocks (the appeal's own block, which its topic decides as well as its body), or addressed to that
    official."""
    query = AlertRecord.select()
    if scope is not None:
        query = query.join(AppealRecord, on=(AlertRecord.appeal == AppealRecord.id)).where(_in_scope(*scope))
    if status:
        query = query.where(AlertRecord.status == status)
    if recipient:
        query = query.where(AlertRecord.recipient == recipient)
    if appeal_id:
        query = query.where(AlertRecord.appeal == appeal_id)
    if acknowledged is not None:
        query = query.where(AlertRecord.acknowledged_at.is_null(not acknowledged))
    if after_id:
        query = query.where(AlertRecord.id < after_id)
    return list(query.order_by(AlertRecord.id.desc()).limit(limit))


def get_alert(alert_id: int, *, scope: tuple[frozenset[str], str | None, frozenset[str] | None] | None = None
              ) -> AlertRecord | None:
    query = AlertRecord.select().where(AlertRecord.id == alert_id)
    if scope is not None:
        query = query.join(AppealRecord, on=(AlertRecord.appeal == AppealRecord.id)).where(_in_scope(*scope))
    return query.first()


def _in_scope(bodies: frozenset[str], official: str | None, sectors: frozenset[str] | None = None):
    condition = scope_condition(bodies, sectors)
    if official:
        condition = condition | (AlertRecord.recipient == official)
    return condition


def acknowledge(alert_id: int, now: datetime) -> bool:
    """Mark the alert acknowledged; False when it already was (the first acknowledgement stays)."""
    return bool(AlertRecord.update(acknowledged_at=now).where(
        (AlertRecord.id == alert_id) & AlertRecord.acknowledged_at.is_null()
    ).execute())


def level_acknowledged(appeal_id: int, clock_id: int, level: str, deadline_version: int) -> bool:
    """Has anyone acknowledged an alert of this level for this clock and deadline version?"""
    return (
        AlertRecord.select(AlertRecord.id)
        .where((AlertRecord.appeal == appeal_id) & (AlertRecord.clock == clock_id) & (AlertRecord.level == level)
               & (AlertRecord.deadline_version == deadline_version) & AlertRecord.acknowledged_at.is_null(False))
        .exists()
    )


def counts_by_status() -> dict[str, int]:
    rows = AlertRecord.select(AlertRecord.status, fn.COUNT(AlertRecord.id).alias("n")).group_by(AlertRecord.status)
    return {row.status: row.n for row in rows}


def oldest_pending(now: datetime) -> datetime | None:
    row = (AlertRecord.select(fn.MIN(AlertRecord.next_attempt_at).alias("at"))
           .where((AlertRecord.status == "pending") & (AlertRecord.next_attempt_at <= now)).first())
    return AlertRecord.next_attempt_at.python_value(row.at) if row and row.at else None


def written_by_sweep(now: datetime) -> list[tuple[AlertRecord, ClockRecord]]:
    """The ladder alerts (to send, or superseded) a sweep at `now` wrote and nothing has touched since,
    each with its clock."""
    query = (AlertRecord.select(AlertRecord, ClockRecord)
             .join(ClockRecord, on=(AlertRecord.clock == ClockRecord.id))
             .where((AlertRecord.created_at == now) & AlertRecord.status.in_(("pending", "superseded"))
                    & AlertRecord.sent_at.is_null() & (AlertRecord.attempts == 0) & AlertRecord.receipt.is_null())
             .order_by(AlertRecord.id))
    return [(row, row.clock) for row in query]


def find_by_key(idempotency_key: str) -> AlertRecord | None:
    return AlertRecord.get_or_none(AlertRecord.idempotency_key == idempotency_key)


def fold_into(alert_ids: list[int], letter_id: int) -> None:
    """Alerts listed in the catch-up letter `letter_id`: one waiting to be sent is not sent by itself
    ("digested"); a superseded one stays superseded. The receipt of each names the letter."""
    if not alert_ids:
        return
    AlertRecord.update(status="digested", next_attempt_at=None).where(
        AlertRecord.id.in_(alert_ids) & (AlertRecord.status == "pending")).execute()
    AlertRecord.update(receipt=f"в сводке: уведомление №{letter_id}").where(AlertRecord.id.in_(alert_ids)).execute()
