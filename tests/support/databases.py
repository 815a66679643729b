"""Test databases, each a copy of one migrated once per test process (each xdist worker has its own).

SQLite: a file migrated once and copied for every test. PostgreSQL: the statements the migrations
send to an empty schema are recorded once, then replayed into a fresh schema per test in one round
trip (creating a database from a template needs the template without sessions, and copies its whole
catalog: seconds, not the fifth of a second a replay takes). Before the first test, the replayed
schema is compared with the migrated one, column by column, index by index and constraint by
constraint, so a migration whose work the recording misses stops the run instead of testing
another schema.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from engine.store.db import close_database, database, open_database
from engine.store.migrations import migrate

# the tests' clock starts here (Monday 2026-11-30 10:00 Asia/Barnaul); migrations are recorded at it
START = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def migrate_database(url: str, *, sent: list | None = None) -> None:
    """Apply every migration to the database at `url`; `sent` collects each (sql, params) sent but the reads
    (the catalog queries of peewee's introspection were most of a replay: 0.55 → 0.2 s a test)."""
    db = open_database(url)
    if sent is not None:
        execute_sql = db.execute_sql

        def recording(sql, params=None, *args, **kwargs):
            if sql.lstrip()[:6].upper() != "SELECT":  # reads (the catalog's, mostly) change nothing
                sent.append((sql, params))
            return execute_sql(sql, params, *args, **kwargs)

        db.execute_sql = recording
    try:
        database.connect(reuse_if_open=True)
        migrate(START)
    finally:
        close_database()
        database.initialize(None)  # nothing writes to a template by mistake: until a test binds its own, none
        if sent is not None:
            del db.execute_sql


class SqliteTemplate:
    def __init__(self, folder: Path):
        self.path = folder / "template.db"
        migrate_database(f"sqlite:///{self.path}")
        with closing(sqlite3.connect(self.path)) as conn:  # the write-ahead log back into the file: the file is all
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def copy(self, path: Path) -> str:
        shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


class PostgresTemplate:
    def __init__(self, admin_url: str):
        import psycopg

        self.admin_url = admin_url
        migrated = self.empty_schema()
        try:
            sent: list = []
            migrate_database(self.url(migrated), sent=sent)
            with psycopg.connect(admin_url) as conn:
                cursor = psycopg.ClientCursor(conn)
                self.script = ";\n".join(cursor.mogrify(sql, params) if params else sql for sql, params in sent)
            replayed = self.schema()
            try:
                expected, found = self._shape(migrated), self._shape(replayed)
                if expected != found:
                    raise AssertionError("the recorded migrations do not rebuild the migrated schema: "
                                         f"{sorted(set(expected) ^ set(found))[:10]}")
            finally:
                self.drop(replayed)
        finally:
            self.drop(migrated)

    def url(self, schema: str) -> str:
        return f"{self.admin_url}?options=-csearch_path%3D{schema}"

    def empty_schema(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self._execute(f'CREATE SCHEMA "{schema}"')
        return schema

    def schema(self) -> str:
        """A fresh schema as the migrations leave it."""
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self._execute(f'CREATE SCHEMA "{schema}"; SET LOCAL search_path TO "{schema}";\n{self.script}')
        return schema

    def drop(self, schema: str) -> None:
        self._execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url) as conn:  # one transaction, committed on leaving the block
            conn.execute(sql)

    def _shape(self, schema: str) -> list[tuple]:
        """Columns, indexes, constraints and recorded migrations of `schema`, its name taken out."""
        import psycopg

        queries = [
            "SELECT 'column', table_name, column_name, data_type, is_nullable, column_default,"
            " character_maximum_length::text FROM information_schema.columns WHERE table_schema = %(s)s",
            "SELECT 'index', tablename, indexname, indexdef, '', '', '' FROM pg_indexes WHERE schemaname = %(s)s",
            "SELECT 'constraint', c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), '', '', ''"
            " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %(s)s",
        ]
        with psycopg.connect(self.admin_url) as conn:
            rows = [row for query in queries for row in conn.execute(query, {"s": schema}).fetchall()]
            rows += conn.execute(f'SELECT \'migration\', number::text, name, \'\', \'\', \'\', \'\''
                                 f' FROM "{schema}".migration_record').fetchall()
        return sorted(tuple(str(value).replace(schema, "<schema>") for value in row) for row in rows)
