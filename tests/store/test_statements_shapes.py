"""The outbox insert, the escalation step and the recompute audit go through statements built once by
peewee, and write exactly what peewee itself would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peewee import IntegrityError

from engine.services.intake import receive_appeal, route_appeal
from engine.store import built_sql, clocks, escalations, outbox, statements
from engine.store.db import database, write_transaction
from engine.store.models import AlertRecord, AuditRecord, EscalationRecord
from engine.store.row_statements import update_by_id
from engine.store.statements import insert_rows, insert_unless_conflict
from tests.support.appeals import pit_appeal

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 24, 3, 0, 0, 123456, tzinfo=UTC)  # Thursday, 10:00 in Barnaul


def alert(key: str, **changes) -> dict:
    row = {"idempotency_key": key, "level": "breach", "role": "head_of_body", "recipient": "gromov-ka",
           "address": "gromov@barnaul.example.ru", "channel": "email", "subject": "Срок нарушен", "body": "…",
           "status": "pending", "created_at": NOW, "next_attempt_at": NOW}
    row.update(changes)
    return row


def built(kind: str, model) -> list:
    """The cached statements of this kind for this model on the current database (None: not reusable)."""
    return list(shapes(kind, model).values())


def shapes(kind: str, model) -> dict:
    """{columns: cached statement} of this kind for this model on the current database."""
    return {key[2]: entry for key, entry in built_sql.CACHE.items()
            if key[0] == kind and key[1] is model and key[-1] is type(database.obj)}


def test_an_alert_is_inserted_once_per_idempotency_key_and_the_second_write_says_so(runtime):
    assert insert_unless_conflict(AlertRecord, alert("k1"), conflict=("idempotency_key",)) is True
    assert insert_unless_conflict(AlertRecord, alert("k1", subject="другая тема"), conflict=("idempotency_key",)) \
        is False
    assert insert_unless_conflict(AlertRecord, alert("k2"), conflict=("idempotency_key",)) is True

    stored = AlertRecord.get(AlertRecord.idempotency_key == "k1")
    assert (stored.subject, stored.attempts, stored.repeat, stored.created_at) == ("Срок нарушен", 0, 0, NOW)
    assert AlertRecord.select().count() == 2
    assert all(entry is not None for entry in built("insert-unless-conflict", AlertRecord))


def test_only_a_conflict_on_the_named_columns_is_ignored_other_constraints_still_raise(runtime):
    with pytest.raises(IntegrityError), write_transaction():
        insert_unless_conflict(AlertRecord, alert("no-recipient", recipient=None), conflict=("idempotency_key",))

    assert AlertRecord.select().count() == 0


def test_enqueue_writes_the_alert_through_the_built_statement(runtime):
    fields = {k: v for k, v in alert("e1").items() if k not in ("status", "created_at", "next_attempt_at")}

    assert outbox.enqueue(now=NOW, not_before=NOW + timedelta(hours=2), **fields) is True
    assert outbox.enqueue(now=NOW, **fields) is False
    with pytest.raises(TypeError, match="colour"):
        outbox.enqueue(now=NOW, colour="red", **fields)

    stored = AlertRecord.get(AlertRecord.idempotency_key == "e1")
    assert (stored.status, stored.next_attempt_at, stored.attempts) == ("pending", NOW + timedelta(hours=2), 0)
    assert built("insert-unless-conflict", AlertRecord) and None not in built("insert-unless-conflict", AlertRecord)


def test_an_update_by_id_sets_only_the_given_columns_of_that_row(runtime):
    first = insert_row_id(alert("u1"))
    other = insert_row_id(alert("u2"))

    for attempt in range(2):  # the second update reuses the SQL built for the first
        assert update_by_id(AlertRecord, first, {"sent_at": NOW, "status": "sent", "attempts": attempt + 1}) == 1

    changed, untouched = AlertRecord.get_by_id(first), AlertRecord.get_by_id(other)
    assert (changed.status, changed.sent_at, changed.attempts, changed.subject) == ("sent", NOW, 2, "Срок нарушен")
    assert (untouched.status, untouched.sent_at, untouched.attempts) == ("pending", None, 0)
    assert update_by_id(AlertRecord, other + 1000, {"status": "sent"}) == 0
    assert built("update", AlertRecord) and None not in built("update", AlertRecord)


def test_an_update_with_an_expression_goes_through_peewee(runtime):
    alert_id = insert_row_id(alert("x1"))
    update_by_id(AlertRecord, alert_id, {"attempts": 3})  # the same shape with a plain value is built first

    assert update_by_id(AlertRecord, alert_id, {"attempts": AlertRecord.attempts + 1}) == 1

    assert AlertRecord.get_by_id(alert_id).attempts == 4


def test_many_rows_inserted_at_once_read_back_like_one_peewee_created(runtime):
    rows = [{"at": NOW + timedelta(seconds=n), "actor": "test", "action": "clock.recomputed", "appeal": None,
             "details": {"n": n, "reason": "календарь"}} for n in range(3)]
    AuditRecord.create(**{**rows[0], "action": "by-peewee"})

    insert_rows(AuditRecord, rows)
    insert_rows(AuditRecord, [])

    stored = list(AuditRecord.select().where(AuditRecord.action == "clock.recomputed").order_by(AuditRecord.id))
    assert [(a.at, a.actor, a.appeal_id, a.details) for a in stored] == \
        [(r["at"], "test", None, r["details"]) for r in rows]
    reference = AuditRecord.get(AuditRecord.action == "by-peewee")
    assert (reference.at, reference.details) == (stored[0].at, stored[0].details)
    assert built("insert-rows", AuditRecord) and None not in built("insert-rows", AuditRecord)


def test_the_recompute_audit_writes_every_event(runtime):
    events = [{"at": NOW, "actor": "ops", "action": "clock.recomputed", "appeal": None, "details": {"clock": k}}
              for k in ("answer", "forward")]

    clocks.audit_many(events)

    assert sorted(a.details["clock"] for a in AuditRecord.select().where(AuditRecord.actor == "ops")) == \
        ["answer", "forward"]


def test_an_escalation_step_is_stored_through_the_built_update(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    row = EscalationRecord.select().first()
    later = NOW + timedelta(days=1)

    escalations.advance(row, next_level=1, next_check_at=later, now=NOW, repeat_level=0, repeat_count=2,
                        repeat_from=NOW)
    stored = EscalationRecord.get_by_id(row.id)
    assert (stored.next_level, stored.next_check_at, stored.updated_at, stored.repeat_level, stored.repeat_count,
            stored.repeat_from) == (1, later, NOW, 0, 2, NOW)

    escalations.advance(stored, next_level=2, next_check_at=None, now=later, repeat_level=None)
    stored = EscalationRecord.get_by_id(row.id)
    assert (stored.next_level, stored.next_check_at, stored.updated_at, stored.repeat_level, stored.repeat_count,
            stored.repeat_from) == (2, None, later, None, 2, NOW)
    steps = shapes("update", EscalationRecord)
    assert steps[("next_level", "next_check_at", "updated_at", "repeat_level", "repeat_count", "repeat_from")]
    assert steps[("next_level", "next_check_at", "updated_at", "repeat_level")]


def insert_row_id(row: dict) -> int:
    return statements.insert_row(AlertRecord, row)


def test_many_rows_inserted_unless_their_key_exists_give_back_the_ids_of_those_inserted(runtime):
    assert insert_unless_conflict(AlertRecord, alert("k1"), conflict=("idempotency_key",)) is True

    inserted = statements.insert_values_unless_conflict_returning(
        AlertRecord, [alert("k1", subject="другая тема"), alert("k2"), alert("k3")], conflict=("idempotency_key",),
        returning=("idempotency_key", "id"))

    stored = {a.idempotency_key: a for a in AlertRecord.select()}
    assert dict(inserted) == {"k2": stored["k2"].id, "k3": stored["k3"].id}
    assert stored["k1"].subject == "Срок нарушен"  # the existing row untouched
    assert statements.insert_values_unless_conflict_returning(
        AlertRecord, [alert("k2")], conflict=("idempotency_key",), returning=("id",)) == []


def test_many_rows_inserted_at_once_hold_what_peewee_writes_whatever_their_values(runtime):
    """Rows of many kinds of value (a column of nothing but NULLs, times, numbers, JSON, texts with quotes,
    braces, commas, backslashes and line breaks, which an array's text form would have to escape) are stored
    as peewee's own multi-row insert stores them: on PostgreSQL they go as one array per column."""
    texts = ['"в кавычках"', "{скобки}, запятые", "обратная \\ черта", "строка\nвторая", "NULL", "", "ё" * 400]
    rows = [alert(f"many-{n}", subject=text, body=texts[-1 - n], last_error=None, attempts=n * 300_000_007,
                  next_attempt_at=NOW + timedelta(microseconds=n) if n % 2 else None, receipt=None,
                  repeat=n, deadline_version=None) for n, text in enumerate(texts)]
    reference = [{**row, "idempotency_key": f"peewee-{n}"} for n, row in enumerate(rows)]

    ids = [i for (i,) in statements.insert_values(AlertRecord, rows, returning=("id",))]
    AlertRecord.insert_many(reference).execute()

    def stored(prefix: str) -> list[tuple]:
        query = AlertRecord.select().where(AlertRecord.idempotency_key.startswith(prefix)).order_by(AlertRecord.id)
        return [(a.idempotency_key.split("-")[1], a.subject, a.body, a.attempts, a.next_attempt_at, a.repeat,
                 a.last_error, a.receipt, a.deadline_version, a.created_at, a.channel) for a in query]

    assert stored("many-") == stored("peewee-")
    assert sorted(ids) == [a.id for a in AlertRecord.select().where(AlertRecord.idempotency_key.startswith("many-"))
                           .order_by(AlertRecord.id)]
    assert stored("many-")[-1][1] == "ё" * 400 and stored("many-")[0][4] is None


def test_a_value_too_long_for_its_column_is_refused_or_kept_whole_never_cut(runtime, database_kind):
    """On PostgreSQL the arrays are cast to the columns' types without their lengths: a channel name longer
    than its varchar(16) is refused, as a single-row insert refuses it, not cut to fit (SQLite keeps it whole)."""
    from peewee import DataError

    rows = [alert("long-1"), alert("long-2", channel="e" * 17)]
    if database_kind == "postgres":
        with pytest.raises(DataError), database.atomic():
            statements.insert_values(AlertRecord, rows)
        assert not AlertRecord.select().where(AlertRecord.idempotency_key.startswith("long-")).exists()
    else:
        statements.insert_values(AlertRecord, rows)
        assert AlertRecord.get(AlertRecord.idempotency_key == "long-2").channel == "e" * 17
