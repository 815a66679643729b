"""On PostgreSQL a decision's explanation (about 8 KB of JSON) and its text (about 4 KB), written with every
routed appeal, are compressed with lz4 instead of the default pglz when the server has it (PostgreSQL 14 or
later built with lz4): pglz compressing them was most of the time of writing a routed batch's decisions (a
50-row insert 11 ms, with lz4 4–5 ms; an explanation takes about 2.9 KB stored instead of 2.3 KB). Rows
written before keep their compression and read the same. The column's compression is catalogue data: no
table rewrite. SQLite stores them as they are: nothing to do."""

from peewee import PostgresqlDatabase

COLUMNS = {"decision_record": ("explanation", "explanation_text")}


def apply(db) -> None:
    if not isinstance(getattr(db, "obj", db), PostgresqlDatabase) or not has_lz4(db):
        return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" SET COMPRESSION lz4' for column in columns)
        db.execute_sql(f'ALTER TABLE "{table}" {changes}')


def has_lz4(db) -> bool:
    """The server compresses with lz4 (the setting it would take lists it; older servers have no setting)."""
    row = db.execute_sql("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
                         ).fetchone()
    return bool(row and row[0])
