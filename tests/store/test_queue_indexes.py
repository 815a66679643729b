"""The three queues (appeals waiting to be routed, alerts and replies waiting to be sent) are indexed by
status and id (m0037), so that a page of a backlog is read in order and stops at its limit: on PostgreSQL
the poll for a page of 20 of 300 waiting rows reads about 20 entries, not the 300 (it read every waiting
row and sorted them while the index held the status alone)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.store import author_messages, outbox, routed
from engine.store.db import database, write_transaction
from engine.store.migrations import m0037_queue_status_id_indexes
from engine.store.models import AlertRecord, AppealRecord, AuthorMessageRecord

QUEUES = m0037_queue_status_id_indexes.QUEUES
PAGE = 20
WAITING = 300


def index_columns(table: str) -> dict[str, list[str]]:
    return {index.name: index.columns for index in database.get_indexes(table)}


@pytest.mark.both_databases
@pytest.mark.parametrize("table", QUEUES)
def test_each_queue_is_indexed_by_status_and_id_and_no_longer_by_status_alone(runtime, table):
    found = index_columns(table)
    assert found[f"{table}_status_id"] == ["status", "id"]
    assert f"{table}_status" not in found


@pytest.mark.both_databases
def test_a_database_made_before_gets_the_new_indexes_once(runtime):
    for table in QUEUES:
        database.execute_sql(f"DROP INDEX {table}_status_id")
        database.execute_sql(f"CREATE INDEX {table}_status ON {table} (status)")

    m0037_queue_status_id_indexes.apply(database)
    m0037_queue_status_id_indexes.apply(database)

    for table in QUEUES:
        found = index_columns(table)
        assert found[f"{table}_status_id"] == ["status", "id"]
        assert f"{table}_status" not in found


def appeals(now, count: int, *, status: str, start: int = 0) -> list[int]:
    rows = [{"channel": "portal", "external_id": f"queue-{start + i}", "raw_payload": "{}", "text": "Яма во дворе",
             "author_type": "citizen", "regime": "fz59", "urgency": "normal", "status": status,
             "next_routing_at": now - timedelta(seconds=1) if status == "received" else None,
             "received_at": now, "created_at": now, "updated_at": now} for i in range(count)]
    with write_transaction():
        AppealRecord.insert_many(rows).execute()
    return [a.id for a in AppealRecord.select(AppealRecord.id).where(AppealRecord.external_id.startswith("queue-"))
            .order_by(AppealRecord.id)]


def replies(now, appeal_id: int, count: int, *, status: str, start: int = 0) -> None:
    rows = [{"appeal": appeal_id, "direction": "out", "kind": "acknowledgement", "route": "email",
             "address": {"email": "r@example.ru"}, "text": "Обращение зарегистрировано", "status": status,
             "idempotency_key": f"queue-{start + i}", "next_attempt_at": now - timedelta(seconds=1)
             if status == "pending" else None, "created_at": now} for i in range(count)]
    with write_transaction():
        AuthorMessageRecord.insert_many(rows).execute()


def alerts(now, count: int, *, status: str, start: int = 0) -> None:
    rows = [{"idempotency_key": f"queue-{start + i}", "level": "warning", "role": "manager", "recipient": "u1",
             "address": "m@example.ru", "channel": "email", "subject": "Срок", "body": "Срок истекает",
             "status": status, "next_attempt_at": now - timedelta(seconds=1) if status == "pending" else None,
             "created_at": now} for i in range(count)]
    with write_transaction():
        AlertRecord.insert_many(rows).execute()


def most_rows_read(monkeypatch, table: str, poll) -> int:
    """Runs `poll`, then runs again under EXPLAIN ANALYZE the SELECT it made of `table`: the most rows any step
    of that plan produced (an index scan that read the whole backlog produced all of it)."""
    made: list[tuple[str, tuple]] = []
    execute_sql = database.obj.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith("SELECT") and f'FROM "{table}"' in sql:
            made.append((sql, tuple(params or ())))
        return execute_sql(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", recording)
    with write_transaction():
        poll()
    monkeypatch.undo()
    assert made, f"the poll read nothing of {table}"
    sql, params = made[0]
    with write_transaction():
        plan = database.execute_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def rows(node) -> list[int]:
        return [node["Actual Rows"], *(n for child in node.get("Plans", ()) for n in rows(child))]
    return max(rows(plan[0]["Plan"]))


@pytest.mark.postgres_only
def test_a_page_of_waiting_replies_reads_the_page_not_the_backlog(runtime, monkeypatch):
    now = runtime.now()
    appeal_id = appeals(now, 1, status="routed")[0]
    replies(now, appeal_id, 100, status="sent")
    replies(now, appeal_id, WAITING, status="pending", start=100)
    page = author_messages.due(now, after_id=0, limit=PAGE)
    assert len(page) == PAGE and {m.status for m in page} == {"pending"}
    assert most_rows_read(monkeypatch, "author_message_record",
                          lambda: author_messages.due(now, after_id=0, limit=PAGE)) <= PAGE


@pytest.mark.postgres_only
def test_a_page_of_waiting_alerts_reads_the_page_not_the_backlog(runtime, monkeypatch):
    now = runtime.now()
    alerts(now, 100, status="sent")
    alerts(now, WAITING, status="pending", start=100)
    assert len(outbox.pending(now, after_id=0, limit=PAGE)) == PAGE
    assert most_rows_read(monkeypatch, "alert_record", lambda: outbox.pending(now, after_id=0, limit=PAGE)) <= PAGE


@pytest.mark.postgres_only
def test_a_claim_of_appeals_to_route_reads_the_batch_not_the_backlog(runtime, monkeypatch):
    now = runtime.now()
    appeals(now, 100, status="routed")
    appeals(now, WAITING, status="received", start=100)
    assert most_rows_read(monkeypatch, "appeal_record",
                          lambda: routed.claim(now, PAGE, lease_until=now + timedelta(minutes=1))) <= PAGE


def test_sqlite_reads_the_replies_page_by_the_new_index(runtime):
    plan = " ".join(row[-1] for row in database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT id FROM author_message_record WHERE status = 'pending' AND id > 0 ORDER BY id"
        " LIMIT 20").fetchall())
    assert "author_message_record_status_id" in plan and "TEMP B-TREE" not in plan, plan
