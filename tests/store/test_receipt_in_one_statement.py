"""On PostgreSQL a webhook's appeal and its audit line go in one statement (one round trip, atomic by
itself); a repeat, a failure and a caller's open transaction behave as with the two inserts."""

from __future__ import annotations

import threading

import psycopg
import pytest
from peewee import IntegrityError

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.intake import receive_appeal
from engine.store import appeals as store
from engine.store.db import database, write_transaction
from engine.store.models import AppealRecord, AuditRecord

SAME_COLUMNS = [f.name for f in AppealRecord._meta.sorted_fields if f.name not in ("id", "external_id")]


def appeal(clock, external_id: str) -> IncomingAppeal:
    return IncomingAppeal(channel="portal", external_id=external_id, text="Яма на дороге у дома 5",
                          received_at=clock(), author=Author(name="Иван", type="citizen", contact="ivan@example.ru"),
                          municipality="biysk", address="ул. Ленина, 5", lat=52.5, long=85.2, regime="incident",
                          attachments=("https://example.ru/photo.jpg",))


@pytest.fixture
def statements(monkeypatch):
    """Every statement the PostgreSQL driver is asked to run, in order."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        sent.append(str(query).split()[0].upper())
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return sent


@pytest.mark.both_databases
def test_the_appeal_and_its_audit_line_are_stored_alike_with_one_statement_or_two(runtime, clock):
    alone = receive_appeal(runtime, appeal(clock, "one"), '{"raw": 1}', actor="channel:portal")
    beside = receive_appeal(runtime, appeal(clock, "two"), '{"raw": 1}', actor="channel:portal",
                            with_it=lambda: None)  # a channel recording its delivery: the transaction path
    first, second = AppealRecord.get_by_id(alone.appeal_id), AppealRecord.get_by_id(beside.appeal_id)
    assert [getattr(first, c) for c in SAME_COLUMNS] == [getattr(second, c) for c in SAME_COLUMNS]
    lines = {row.appeal_id: row for row in AuditRecord.select().where(AuditRecord.action == "appeal.received")}
    assert set(lines) == {alone.appeal_id, beside.appeal_id}
    for received, external_id in ((alone, "one"), (beside, "two")):
        line = lines[received.appeal_id]
        assert (line.actor, line.at, line.details) == ("channel:portal", clock(),
                                                       {"channel": "portal", "external_id": external_id})


@pytest.mark.postgres_only
def test_on_postgresql_a_receipt_is_one_statement_and_no_transaction(runtime, clock, statements):
    received = receive_appeal(runtime, appeal(clock, "one"), "{}", actor="test")
    assert statements == ["WITH"] and not database.in_transaction()
    seen = []
    other = threading.Thread(target=lambda: seen.append(_count_elsewhere(received.appeal_id)))  # its own connection
    other.start()
    other.join()
    assert seen == [1]  # committed by itself: another connection sees it at once


def _count_elsewhere(appeal_id: int) -> int:
    with database.connection_context():
        return AppealRecord.select().where(AppealRecord.id == appeal_id).count()


@pytest.mark.postgres_only
def test_a_repeat_in_one_statement_returns_the_stored_appeal_and_writes_nothing(runtime, clock):
    first = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="test")
    again = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="test")
    assert (again.appeal_id, again.created) == (first.appeal_id, False)
    assert AppealRecord.select().count() == 1
    assert AuditRecord.select().where(AuditRecord.action == "appeal.received").count() == 1


@pytest.mark.postgres_only
def test_when_the_audit_line_fails_the_appeal_is_not_stored_either(runtime, clock, monkeypatch):
    broken = store.audit_row
    monkeypatch.setattr(store, "audit_row", lambda *a, **k: {**broken(*a, **k), "actor": None})  # NOT NULL
    with pytest.raises(IntegrityError):
        receive_appeal(runtime, appeal(clock, "half"), "{}", actor="test")
    assert AppealRecord.select().count() == 0 and AuditRecord.select().count() == 0


@pytest.mark.postgres_only
def test_inside_a_callers_transaction_a_repeat_leaves_that_transaction_usable(runtime, clock, statements):
    receive_appeal(runtime, appeal(clock, "same"), "{}", actor="test")
    with write_transaction():
        del statements[:]
        again = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="test")
        assert not again.created and "WITH" not in statements  # two inserts under a savepoint, as before
        assert AppealRecord.select().count() == 1  # the transaction still answers
