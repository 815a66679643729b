"""Channel credentials encrypted at rest, and when each API token was last used.

Every channel's secret, previous secret, VK confirmation string and platform API token stored in
clear text before is encrypted with the newest key of the installed ring (engine/store/encryption.py);
a value already encrypted is left as it is, so applying it again changes nothing. On PostgreSQL the
secret columns become TEXT (an encrypted value is longer than the 255 characters VARCHAR allowed).
On SQLite the rows are rewritten with ``secure_delete`` on, so the clear values are overwritten in
the file, not left in a free page. Tokens get ``last_used_at``.
"""

from __future__ import annotations

from .. import models
from ..encryption import PREFIX, key_ring
from . import add_column_if_missing

COLUMNS = ("secret", "previous_secret", "confirmation", "api_token")
WIDENED = ("secret", "previous_secret", "confirmation")


def apply(db) -> None:
    from peewee import PostgresqlDatabase

    add_column_if_missing(db, models.TokenRecord, "last_used_at")
    concrete = getattr(db, "obj", None) or db
    if isinstance(concrete, PostgresqlDatabase):
        for column in WIDENED:
            db.execute_sql(f"ALTER TABLE channel_record ALTER COLUMN {column} TYPE TEXT")
    else:
        db.execute_sql("PRAGMA secure_delete = ON")
    rows = db.execute_sql(f"SELECT id, {', '.join(COLUMNS)} FROM channel_record ORDER BY id").fetchall()
    for row_id, *values in rows:
        changes = {column: value for column, value in zip(COLUMNS, values, strict=True)
                   if value is not None and not value.startswith(PREFIX)}
        if not changes:
            continue
        ring = key_ring()  # only a database holding clear secrets needs the keys here
        assignments = ", ".join(f"{column} = {concrete.param}" for column in changes)
        db.execute_sql(f"UPDATE channel_record SET {assignments} WHERE id = {int(row_id)}",
                       [ring.seal(value) for value in changes.values()])

