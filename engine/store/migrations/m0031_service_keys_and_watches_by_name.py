"""The VK service key kept in the database, encrypted (engine/store/service_keys.py), and walls watched
by name before they are resolved: ``watch_record.owner_id`` may be empty until the watch job, once a
service key is configured, learns the wall's id from VK (the demo data's two communities)."""

from __future__ import annotations

from .. import service_keys
from ..watch import WatchRecord
from . import migrator_for


def apply(db) -> None:
    from playhouse.migrate import migrate

    db.create_tables(list(service_keys.TABLES), safe=True)
    table = WatchRecord._meta.table_name
    column = next(c for c in db.get_columns(table) if c.name == "owner_id")
    if not column.null:
        migrate(migrator_for(db).drop_not_null(table, "owner_id"))
