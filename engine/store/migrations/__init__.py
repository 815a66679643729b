"""Numbered schema migrations: one module `mNNNN_name.py` each with `apply(db)`; applying twice changes nothing.

Rules for writing one: a new table is created with `db.create_tables([...], safe=True)`; a new
column on an existing table is added with `add_column_if_missing` (a fresh database already has
it, because m0001 creates tables from the current models). Never edit a migration that has shipped.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from datetime import datetime

from ..db import database, write_transaction
from ..models import MigrationRecord

log = logging.getLogger(__name__)


def migrator_for(db):
    """playhouse's schema migrator for the database behind `db` (pooled or not, through the proxy)."""
    from peewee import SqliteDatabase
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

    db = getattr(db, "obj", None) or db  # the proxy hides the concrete database class
    return SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)


def add_column_if_missing(db, model, field_name: str) -> None:
    """Add a column declared on `model` to its table unless the table has it already."""
    from playhouse.migrate import migrate

    table = model._meta.table_name
    field = model._meta.fields[field_name]
    if any(column.name == field.column_name for column in db.get_columns(table)):
        return
    migrate(migrator_for(db).add_column(table, field.column_name, field))


def available() -> list[tuple[int, str, object]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not (info.name.startswith("m") and info.name[1:5].isdigit()):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append((int(info.name[1:5]), info.name[6:].replace("_", " "), module))
    numbers = [n for n, _, _ in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {sorted(numbers)}")
    return sorted(found, key=lambda item: item[0])


def migrate(now: datetime) -> list[int]:
    """Apply every migration not yet recorded; return the numbers applied."""
    database.create_tables([MigrationRecord], safe=True)
    applied = {m.number for m in MigrationRecord.select()}
    done = []
    for number, name, module in available():
        if number in applied:
            continue
        with write_transaction():
            module.apply(database)
            MigrationRecord.create(number=number, name=name, applied_at=now)
        log.info("applied migration %s (%s)", number, name)
        done.append(number)
    return done
