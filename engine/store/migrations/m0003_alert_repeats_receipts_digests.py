"""Escalation repeats, delivery receipts and digests: new columns on the escalation state and the
outbox; an outbox row may have no appeal (a daily digest); the sweep reads due rows in
(next_check_at, id) order."""

from .. import models
from . import add_column_if_missing, migrator_for


def apply(db) -> None:
    for name in ("repeat_level", "repeat_count", "repeat_from"):
        add_column_if_missing(db, models.EscalationRecord, name)
    for name in ("deadline_version", "repeat", "receipt"):
        add_column_if_missing(db, models.AlertRecord, name)
    _allow_alerts_without_appeal(db)
    table = models.EscalationRecord._meta.table_name
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_next_check_at_id" ON "{table}" ("next_check_at", "id")')


def _allow_alerts_without_appeal(db) -> None:
    from playhouse.migrate import migrate

    table = models.AlertRecord._meta.table_name
    column = next(c for c in db.get_columns(table) if c.name == "appeal_id")
    if column.null:
        return
    migrate(migrator_for(db).drop_not_null(table, "appeal_id"))
