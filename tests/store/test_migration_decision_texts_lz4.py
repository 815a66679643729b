"""m0035: on PostgreSQL a decision's explanation and its text are compressed with lz4, and read back as written."""

from __future__ import annotations

import pytest

from engine.services.intake import receive_appeal, route_appeal
from engine.services.views import decision_text
from engine.store.db import database
from engine.store.migrations import m0035_decision_texts_lz4 as m0035
from engine.store.models import DecisionRecord
from engine.wording.labels import LABELS
from tests.support.appeals import pit_appeal


def compression_of(table: str) -> dict[str, str]:
    rows = database.execute_sql(
        "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped", (table,)).fetchall()
    return {name: method for name, method in rows}


@pytest.mark.postgres_only
def test_a_decisions_long_texts_are_compressed_with_lz4_and_read_back_unchanged(runtime, clock):
    assert m0035.has_lz4(database)  # Debian's PostgreSQL 15 has it; the migration skips a server without
    methods = compression_of("decision_record")
    assert (methods["explanation"], methods["explanation_text"]) == ("l", "l")
    assert methods["body"] == ""  # the others keep the server's default

    appeal_id = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test").appeal_id
    assert route_appeal(runtime, appeal_id)
    decision = DecisionRecord.get(DecisionRecord.appeal == appeal_id)
    stored = database.execute_sql(
        "SELECT pg_column_compression(explanation), pg_column_compression(explanation_text), length(explanation) "
        "FROM decision_record WHERE id = %s", (decision.id,)).fetchone()
    assert stored[0] == "lz4" and stored[2] > 2000  # long enough to be compressed
    assert decision.explanation[0]["stage"] == "classify"
    assert decision.explanation_text == "" and decision_text(decision, LABELS).startswith("Решение")  # rendered (m0036)


@pytest.mark.postgres_only
def test_applying_it_again_changes_nothing(runtime):
    m0035.apply(database)
    methods = compression_of("decision_record")
    assert (methods["explanation"], methods["explanation_text"]) == ("l", "l")
