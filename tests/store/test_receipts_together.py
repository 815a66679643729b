"""On SQLite the receipts that threads of one process store at the same moment are written in one
transaction by whichever thread's turn comes first: each thread still gets its own appeal (or its own
repeat, or its own failure), and a receipt counts only once the group is committed."""

from __future__ import annotations

import threading
import time

import pytest
from peewee import IntegrityError

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.intake import receive_appeal
from engine.store import appeals as appeals_store
from engine.store import receipts
from engine.store.db import database, threads_turn
from engine.store.models import AppealRecord, AuditRecord


def appeal(clock, external_id: str, text: str = "Яма на дороге у дома 5") -> IncomingAppeal:
    return IncomingAppeal(channel="portal", external_id=external_id, text=text, received_at=clock(),
                          author=Author(name="Иван", type="citizen", contact="ivan@example.ru"),
                          municipality="biysk", regime="incident")


@pytest.fixture
def groups(monkeypatch):
    """The size of every group written, in order."""
    sizes: list[int] = []
    write = receipts._write

    def counted(group):
        sizes.append(len(group))
        return write(group)

    monkeypatch.setattr(receipts, "_write", counted)
    return sizes


def store_together(runtime, incomings: list[IncomingAppeal]) -> dict[str, object]:
    """Each appeal received by a thread of its own while the process's write turn is held, so that all
    of them wait; then the turn is let go. External id → what the thread got (Received or an exception)."""
    got: dict[str, object] = {}

    def receive(incoming):
        with database.connection_context():
            try:
                got[incoming.external_id] = receive_appeal(runtime, incoming, "{}", actor="channel:portal")
            except BaseException as exc:
                got[incoming.external_id] = exc

    threads = [threading.Thread(target=receive, args=(i,)) for i in incomings]
    with threads_turn():
        for n, t in enumerate(threads, start=1):  # one after another: they queue in the list's order
            t.start()
            deadline = time.monotonic() + 10
            while len(receipts._waiting) < n and time.monotonic() < deadline:
                time.sleep(0.001)
            assert len(receipts._waiting) == n
    for t in threads:
        t.join(10)
    return got


def received_lines() -> dict[int, dict]:
    return {row.appeal_id: row.details for row in AuditRecord.select().where(AuditRecord.action == "appeal.received")}


def test_receipts_waiting_together_are_written_in_one_group_each_with_its_own_appeal(runtime, clock, groups):
    got = store_together(runtime, [appeal(clock, f"n{k}", f"Яма номер {k}") for k in range(4)])
    assert groups == [4]
    for k in range(4):
        received = got[f"n{k}"]
        assert received.created
        stored = AppealRecord.get_by_id(received.appeal_id)
        assert (stored.external_id, stored.text) == (f"n{k}", f"Яма номер {k}")
    lines = received_lines()
    assert {lines[got[f"n{k}"].appeal_id]["external_id"] for k in range(4)} == {"n0", "n1", "n2", "n3"}
    ids = [got[f"n{k}"].appeal_id for k in range(4)]
    assert ids == sorted(ids)  # written in the order they queued (receipt order)


def test_a_repeat_in_a_group_gets_the_stored_appeal_and_the_others_are_stored(runtime, clock, groups):
    first = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="channel:portal")
    got = store_together(runtime, [appeal(clock, "new-1"), appeal(clock, "same"), appeal(clock, "new-2")])
    assert groups[-1] == 3
    assert (got["same"].appeal_id, got["same"].created) == (first.appeal_id, False)
    assert got["new-1"].created and got["new-2"].created
    assert AppealRecord.select().count() == 3
    assert sorted(received_lines()) == sorted([first.appeal_id, got["new-1"].appeal_id, got["new-2"].appeal_id])


def test_a_receipt_that_fails_leaves_nothing_of_itself_and_the_others_are_stored(runtime, clock, groups,
                                                                                 monkeypatch):
    insert = appeals_store.insert_row

    def failing_audit_of_bad(model, row):  # the appeal row of "bad" is written, then its audit line fails
        if model is AuditRecord and row["details"]["external_id"] == "bad":
            raise IntegrityError("NOT NULL constraint failed: audit_record.actor")
        return insert(model, row)

    monkeypatch.setattr(appeals_store, "insert_row", failing_audit_of_bad)
    got = store_together(runtime, [appeal(clock, "good-1"), appeal(clock, "bad"), appeal(clock, "good-2")])
    assert groups == [3]
    assert isinstance(got["bad"], IntegrityError)
    assert got["good-1"].created and got["good-2"].created
    assert [a.external_id for a in AppealRecord.select().order_by(AppealRecord.id)] == ["good-1", "good-2"]
    assert sorted(received_lines()) == sorted([got["good-1"].appeal_id, got["good-2"].appeal_id])


def test_when_the_writing_thread_is_stopped_no_receipt_of_its_group_is_stored(runtime, clock, groups,
                                                                             monkeypatch):
    insert = appeals_store.insert_row
    calls = []

    def stopped_after_the_second(model, row):  # the writing thread is interrupted midway through the group
        calls.append(model)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return insert(model, row)

    monkeypatch.setattr(appeals_store, "insert_row", stopped_after_the_second)
    got = store_together(runtime, [appeal(clock, f"n{k}") for k in range(3)])
    assert groups == [3]
    stopped = [k for k, v in got.items() if isinstance(v, KeyboardInterrupt)]
    told = [k for k, v in got.items() if not isinstance(v, KeyboardInterrupt)]
    assert len(stopped) == 1 and len(told) == 2  # the interrupt stays with the thread it hit
    for k in told:  # the others hear the database could not serve (their channels retry), not a success
        assert database_unavailable(got[k])
    assert AppealRecord.select().count() == 0 and not received_lines()


def database_unavailable(exc) -> bool:
    from engine.store.db import is_unavailable

    return isinstance(exc, Exception) and is_unavailable(exc)


def test_a_thread_alone_writes_its_own_receipt_and_a_caller_transaction_is_not_joined(runtime, clock, groups):
    alone = receive_appeal(runtime, appeal(clock, "alone"), "{}", actor="channel:portal")
    assert groups == [1] and alone.created
    with database.atomic():  # inside a caller's transaction the receipt is the caller's: no group
        inside = receive_appeal(runtime, appeal(clock, "inside"), "{}", actor="channel:portal")
    assert groups == [1] and inside.created
    assert AppealRecord.select().count() == 2


def test_a_receipt_that_gets_no_turn_in_time_is_withdrawn_and_never_stored_later(runtime, clock, groups,
                                                                                monkeypatch):
    from engine.store import db

    monkeypatch.setattr(db, "WRITE_WAIT", 0.2)
    got: dict[str, object] = {}

    def receive():
        with database.connection_context():
            try:
                got["late"] = receive_appeal(runtime, appeal(clock, "late"), "{}", actor="channel:portal")
            except Exception as exc:  # what the thread got is the observation
                got["late"] = exc

    with threads_turn():  # another thread's turn, held past the busy timeout
        late = threading.Thread(target=receive)
        late.start()
        late.join(10)
    assert db.is_unavailable(got["late"])  # the channel hears 503 and sends it again
    assert receipts._waiting == []
    after = receive_appeal(runtime, appeal(clock, "next"), "{}", actor="channel:portal")
    assert groups == [1]  # the next receipt is written alone: the late one is not carried along
    assert [a.external_id for a in AppealRecord.select()] == ["next"] and after.created


def statements_of(action) -> list[str]:
    """The SQL statements SQLite ran for this thread's connection during `action()`."""
    seen: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(seen.append)
    try:
        action()
    finally:
        connection.set_trace_callback(None)
    return seen


def test_a_receipt_alone_is_written_without_a_savepoint(runtime, clock, groups):
    got = {}
    ran = statements_of(lambda: got.update(alone=receive_appeal(runtime, appeal(clock, "alone"), "{}",
                                                                actor="channel:portal")))
    assert groups == [1] and got["alone"].created
    assert not [s for s in ran if s.upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert [s.split(" (")[0] for s in ran if s.upper().startswith("INSERT")] == [
        'INSERT INTO "appeal_record"', 'INSERT INTO "audit_record"']


def test_a_repeat_alone_gets_the_stored_appeal_and_stores_nothing_more(runtime, clock, groups):
    first = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="channel:portal")
    again = receive_appeal(runtime, appeal(clock, "same"), "{}", actor="channel:portal")
    assert groups == [1, 1]
    assert (again.appeal_id, again.created) == (first.appeal_id, False)
    assert AppealRecord.select().count() == 1 and list(received_lines()) == [first.appeal_id]


def test_a_receipt_alone_that_fails_leaves_nothing_of_itself(runtime, clock, groups, monkeypatch):
    insert = appeals_store.insert_row

    def failing_audit(model, row):  # the appeal row is written, then its audit line fails
        if model is AuditRecord:
            raise IntegrityError("NOT NULL constraint failed: audit_record.actor")
        return insert(model, row)

    monkeypatch.setattr(appeals_store, "insert_row", failing_audit)
    with pytest.raises(IntegrityError):
        receive_appeal(runtime, appeal(clock, "bad"), "{}", actor="channel:portal")
    assert groups == [1]
    assert AppealRecord.select().count() == 0 and not received_lines()
    monkeypatch.setattr(appeals_store, "insert_row", insert)
    assert receive_appeal(runtime, appeal(clock, "next"), "{}", actor="channel:portal").created  # nothing stuck
