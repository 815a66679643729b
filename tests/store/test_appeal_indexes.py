"""Appeals are indexed by body, author and topic only where those are set (m0012), and the lookups by
them still use those indexes."""

from __future__ import annotations

import pytest

from engine.store.db import database, is_sqlite

LOOKUPS = {
    "appeal_record_body": "SELECT id FROM appeal_record WHERE body IN ('a', 'b') ORDER BY id DESC LIMIT 50",
    "appeal_record_author_received": "SELECT id FROM appeal_record WHERE author_id = 'vk:5' AND received_at >= '2026'",
    "appeal_record_topic_place_received": (
        "SELECT id FROM appeal_record WHERE topic = 'roads' AND municipality = 'biysk' AND received_at >= '2026'"),
}


@pytest.mark.parametrize("index", sorted(LOOKUPS))
def test_a_lookup_by_a_set_value_uses_the_partial_index(runtime, index):
    if not is_sqlite():
        pytest.skip("the query plan is read with SQLite's EXPLAIN QUERY PLAN")
    plan = " ".join(row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + LOOKUPS[index]).fetchall())
    assert index in plan, plan


@pytest.mark.both_databases
def test_the_indexes_on_body_author_and_topic_leave_out_appeals_without_them(runtime):
    """A webhook stores an appeal before it has a body or a topic: those rows are not indexed."""
    if is_sqlite():
        found = dict(database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'appeal_record'").fetchall())
        template = "WHERE {} IS NOT NULL"
    else:
        found = dict(database.execute_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appeal_record'"
            " AND schemaname = current_schema()").fetchall())
        template = "WHERE ({} IS NOT NULL)"
    for name, column in (("appeal_record_body", "body"), ("appeal_record_author_received", "author_id"),
                         ("appeal_record_topic_place_received", "topic")):
        assert template.format(column) in found[name], found[name]
    assert "appeal_record_author_id" not in found  # the (author_id, received_at) index serves those lookups
