"""Migration 7 adds what a clock waits for and its hard cap to a database made before them."""

from __future__ import annotations

import pytest

from engine.store.db import close_database, database, open_database
from engine.store.migrations import m0007_clock_interim_start
from engine.store.models import ClockRecord

pytestmark = pytest.mark.both_databases

CLOCK_TABLE_OF_M0006 = """
CREATE TABLE clock_record (
    id INTEGER PRIMARY KEY, appeal_id INTEGER NOT NULL, kind VARCHAR(32) NOT NULL, basis VARCHAR(32) NOT NULL,
    policy_id VARCHAR(255) NOT NULL, policy_version VARCHAR(255) NOT NULL, calendar_version VARCHAR(255) NOT NULL,
    body VARCHAR(255) NOT NULL, started_at TIMESTAMP NOT NULL, due_at TIMESTAMP NOT NULL,
    deadline_version INTEGER NOT NULL, paused_total_seconds INTEGER NOT NULL, paused_since TIMESTAMP,
    stopped_at TIMESTAMP, breached_at TIMESTAMP, amount INTEGER, on_non_working VARCHAR(16),
    max_extension_days INTEGER NOT NULL, extension_days INTEGER NOT NULL, pause_credit INTEGER NOT NULL)
"""


def test_an_old_clock_table_gains_the_interim_columns_empty_and_applying_twice_is_harmless(empty_database_url):
    open_database(empty_database_url)
    database.connect(reuse_if_open=True)
    try:
        database.execute_sql(CLOCK_TABLE_OF_M0006)
        database.execute_sql(
            "INSERT INTO clock_record VALUES (1, 1, 'final_answer', 'working_days', 'incident', 'p1', 'c1', 'b',"
            " '2026-04-06 03:00:00', '2026-04-15 11:00:00', 1, 0, NULL, NULL, NULL, 7, 'next', 0, 0, 0)")

        m0007_clock_interim_start.apply(database)
        m0007_clock_interim_start.apply(database)

        columns = {c.name for c in database.get_columns("clock_record")}
        assert set(m0007_clock_interim_start.COLUMNS) <= columns
        row = ClockRecord.select(ClockRecord.kind, ClockRecord.waits_for, ClockRecord.cap_at).dicts().get()
        assert row == {"kind": "final_answer", "waits_for": None, "cap_at": None}
    finally:
        close_database()
