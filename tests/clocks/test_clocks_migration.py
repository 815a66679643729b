"""Migration 4 adds the clock term columns to a database made before them, keeping its rows."""

from __future__ import annotations

import pytest

from engine.store.db import close_database, database, open_database
from engine.store.migrations import m0004_clock_terms
from engine.store.models import ClockRecord

pytestmark = pytest.mark.both_databases

OLD_CLOCK_TABLE = """
CREATE TABLE clock_record (
    id INTEGER PRIMARY KEY, appeal_id INTEGER NOT NULL, kind VARCHAR(32) NOT NULL, basis VARCHAR(32) NOT NULL,
    policy_id VARCHAR(255) NOT NULL, policy_version VARCHAR(255) NOT NULL, calendar_version VARCHAR(255) NOT NULL,
    body VARCHAR(255) NOT NULL, started_at TIMESTAMP NOT NULL, due_at TIMESTAMP NOT NULL,
    deadline_version INTEGER NOT NULL, paused_total_seconds INTEGER NOT NULL, paused_since TIMESTAMP,
    stopped_at TIMESTAMP, breached_at TIMESTAMP)
"""


def test_an_old_clock_table_gains_the_term_columns_with_defaults_and_applying_twice_is_harmless(empty_database_url):
    open_database(empty_database_url)
    database.connect(reuse_if_open=True)
    try:
        database.execute_sql(OLD_CLOCK_TABLE)
        database.execute_sql(
            "INSERT INTO clock_record VALUES (1, 1, 'answer', 'calendar_days', 'fz59', 'p1', 'c1', 'b',"
            " '2026-04-06 03:00:00', '2026-05-06 16:59:59', 1, 0, NULL, NULL, NULL)")

        m0004_clock_terms.apply(database)
        m0004_clock_terms.apply(database)

        columns = {c.name for c in database.get_columns("clock_record")}
        assert set(m0004_clock_terms.COLUMNS) <= columns
        row = ClockRecord.select(ClockRecord.amount, ClockRecord.extension_days, ClockRecord.pause_credit).dicts().get()
        assert row == {"amount": None, "extension_days": 0, "pause_credit": 0}
        assert any(index.columns == ["due_at"] for index in database.get_indexes("clock_record"))
    finally:
        close_database()
