"""Migration 3 brings a database made before it up to date, and applying it twice changes nothing."""

from __future__ import annotations

import pytest
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from engine.store.db import database, is_sqlite
from engine.store.migrations import m0003_alert_repeats_receipts_digests as m0003
from engine.store.models import AlertRecord, EscalationRecord

pytestmark = pytest.mark.both_databases

NEW_COLUMNS = {"escalation_record": {"repeat_level", "repeat_count", "repeat_from"},
               "alert_record": {"deadline_version", "repeat", "receipt"}}


def columns(table: str) -> dict[str, bool]:
    return {c.name: c.null for c in database.get_columns(table)}


def test_migration_3_adds_its_columns_to_an_older_database_and_lets_digests_have_no_appeal(runtime):
    migrator = SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)
    with database.atomic():
        migrate(*[migrator.drop_column(table, name) for table, names in NEW_COLUMNS.items() for name in names],
                migrator.add_not_null("alert_record", "appeal_id"))
    assert not NEW_COLUMNS["alert_record"] & set(columns("alert_record"))

    with database.atomic():
        m0003.apply(database.obj)
        m0003.apply(database.obj)

    for table, names in NEW_COLUMNS.items():
        assert names <= set(columns(table))
    assert columns("alert_record")["appeal_id"] is True
    assert {f.column_name for f in AlertRecord._meta.sorted_fields} <= set(columns("alert_record"))
    assert {f.column_name for f in EscalationRecord._meta.sorted_fields} <= set(columns("escalation_record"))
