"""Migration 32 adds the clock a member's clock follows (`clock_record.follows`) and its partial index to a
database made before it; applied twice it changes nothing, and clocks stored before follow nothing."""

from __future__ import annotations

import pytest

from engine.store.db import database
from engine.store.migrations import m0032_clocks_follow_incident
from engine.store.models import ClockRecord
from tests.support.appeals import routed_pit

pytestmark = pytest.mark.both_databases


def test_the_follows_column_and_its_index_are_added_to_an_older_database(runtime, clock):
    appeal_id = routed_pit(runtime, clock)
    database.execute_sql("DROP INDEX IF EXISTS clock_record_follows")
    database.execute_sql("ALTER TABLE clock_record DROP COLUMN follows")
    assert "follows" not in {c.name for c in database.get_columns("clock_record")}

    m0032_clocks_follow_incident.apply(database)
    m0032_clocks_follow_incident.apply(database)

    assert "follows" in {c.name for c in database.get_columns("clock_record")}
    assert "clock_record_follows" in {i.name for i in database.get_indexes("clock_record")}
    assert {c.follows for c in ClockRecord.select().where(ClockRecord.appeal == appeal_id)} == {None}
