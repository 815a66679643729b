"""Statements run many times per request or sweep, with their SQL built once.

peewee rebuilds the SQL of every query from its expression tree; for a wide row that costs more
than SQLite's own work. Each function here asks peewee for the SQL of the first statement of a
given shape (model, columns, database), checks that peewee puts one parameter per column in the
order expected (with distinct markers) and that converting the values with the fields gives
exactly the parameters peewee produced, and from then on only converts values. A shape that fails
the check (a field peewee treats specially) is never cached and always goes through peewee, and
so does a call that passes an expression instead of a value. Rows come back as model instances
with each field's own conversion.

* `insert_row`, `create`: one row; `insert_rows`: many rows, one statement executed for each;
* `insert_linked`: on PostgreSQL one row and a row of another table pointing at it, in one statement;
* `insert_unless_conflict`: INSERT … ON CONFLICT (columns) DO NOTHING, true when it inserted;
* `insert_values_unless_conflict`: many rows, those whose unique key exists left out;
  `insert_values_unless_conflict_returning`: the same, giving columns of the rows inserted;

Updates of one row by its id and first-row lookups are engine.store.row_statements; the SQL kept per shape
is engine.store.built_sql's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from peewee import Model

from . import built_sql
from .db import database, is_postgres


def insert_row(model: type[Model], row: dict) -> int:
    """Insert one row given every column the caller sets; defaults fill the rest. Returns the id."""
    return _insert(model, _with_defaults(model, row))


def _insert(model: type[Model], full: dict) -> int:
    entry = None if built_sql.has_expression(full.values()) else built_sql.entry(
        ("insert", model, tuple(full), type(database.obj)),
        lambda: built_sql.build(lambda values: model.insert(**values), _fields(model, full), full))
    if entry is None:
        return model.insert(**full).execute()
    sql, fields = entry
    return _new_id(sql, database.execute_sql(sql, built_sql.values(fields, full)))


def insert_linked(model: type[Model], row: dict, other: type[Model], other_row: dict, *, link: str) -> int | None:
    """One row of `model`, and one of `other` whose field `link` takes the new row's id, with one
    statement on PostgreSQL (WITH … INSERT … RETURNING … INSERT … SELECT): one round trip, and atomic by
    itself outside a transaction. Returns the new id; None where one statement cannot do it (SQLite has no
    INSERT inside WITH, or a shape peewee must build): the caller inserts the two rows in a transaction."""
    if not is_postgres():
        return None
    full, other_full = _with_defaults(model, row), _with_defaults(other, {**other_row, link: 0})
    if built_sql.has_expression([*full.values(), *other_full.values()]):
        return None
    entry = built_sql.entry(("insert-linked", model, tuple(full), other, tuple(other_full), link, type(database.obj)),
                   lambda: _build_linked(model, full, other, other_full, link))
    if entry is None:
        return None
    sql, fields, other_fields = entry
    params = built_sql.values(fields, full) + built_sql.values(other_fields, other_full)
    return database.execute_sql(sql, params).fetchone()[0]


def _build_linked(model, full: dict, other, other_full: dict, link: str) -> tuple[str, tuple, tuple] | None:
    first = built_sql.build(lambda values: model.insert(**values), _fields(model, full), full)
    second = built_sql.build(lambda values: other.insert(**values), _fields(other, other_full), other_full)
    if first is None or second is None or " RETURNING " not in first[0] or " VALUES (" not in second[0]:
        return None
    (sql, fields), (other_sql, other_fields) = first, second
    head, _ = other_sql.split(" VALUES (", 1)
    pk = model._meta.primary_key.column_name
    columns = ", ".join(f'"made"."{pk}"' if f.name == link else "%s" for f in other_fields)
    link_column = other._meta.fields[link].column_name
    return (f'WITH "made" AS ({sql}) {head} SELECT {columns} FROM "made" RETURNING "{link_column}"', fields,
            tuple(f for f in other_fields if f.name != link))


def create(model: type[Model], row: dict) -> Model:
    """`model.create(**row)` through `insert_row`: the new row as an instance."""
    full = _with_defaults(model, row)
    instance = model(**full)
    instance.id = _insert(model, full)
    instance._dirty.clear()
    return instance


def insert_rows(model: type[Model], rows: list[dict]) -> None:
    """Insert many rows, each given the columns the caller sets (defaults fill the rest), by one
    statement executed once per row."""
    if not rows:
        return
    full = [_with_defaults(model, row) for row in rows]
    entry = None if built_sql.has_expression(v for row in full for v in row.values()) else built_sql.entry(
        ("insert-rows", model, tuple(full[0]), type(database.obj)),
        lambda: built_sql.build(lambda values: model.insert(**values).returning(), _fields(model, full[0]), full[0]))
    if entry is None:
        model.insert_many(full).execute()
        return
    sql, fields = entry
    database.cursor().executemany(sql, [built_sql.values(fields, row) for row in full])


MAX_PARAMETERS = 30_000  # SQLite allows 32,766 parameters in one statement, PostgreSQL 65,535


def insert_values(model: type[Model], rows: list[dict], *, returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert many rows, all given the same columns (defaults fill the rest), in one round trip per few hundred
    rows on SQLite (multi-row INSERT … VALUES) and one in all on PostgreSQL (an array per column; `_many`).
    With `returning`, the rows RETURNING those columns, in no promised order (neither database promises one):
    return a column that tells the rows apart. Rows whose values are expressions go through peewee."""
    return prepared_insert(model, rows, returning=returning)()


def prepared_insert(model: type[Model], rows: list[dict], *,
                    returning: tuple[str, ...] = ()) -> Callable[[], list[tuple]]:
    """`insert_values` in two steps: the SQL built and every value converted (JSON encoded, times
    in UTC) now, before a transaction; the statements run when the result is called, inside it."""
    if not rows:
        return list
    full = [_with_defaults(model, row) for row in rows]
    fields = _fields(model, full[0])
    entry = None if built_sql.has_expression(v for row in full for v in row.values()) else built_sql.entry(
        ("insert", model, tuple(full[0]), type(database.obj)),
        lambda: built_sql.build(lambda values: model.insert(**values), fields, full[0]))
    if entry is None or " VALUES (" not in entry[0]:
        return lambda: _insert_many(model, full, returning)
    sql, fields = entry
    head, group = sql.split(" VALUES ", 1)
    group = group.split(" RETURNING ", 1)[0]  # PostgreSQL's single-row form returns the id
    tail = ""
    if returning:
        tail = " RETURNING " + ", ".join(f'"{model._meta.fields[n].column_name}"' for n in returning)
    converters = [model._meta.fields[name] for name in returning]
    chunks = _many(model, head, group, fields, full, tail)

    def run() -> list[tuple]:
        out: list[tuple] = []
        for chunk_sql, params in chunks:
            cursor = database.execute_sql(chunk_sql, params)
            if returning:
                out += [tuple(f.python_value(v) for f, v in zip(converters, r, strict=True))
                        for r in cursor.fetchall()]
        return out
    return run


def _insert_many(model: type[Model], full: list[dict], returning: tuple[str, ...]) -> list[tuple]:
    query = model.insert_many(full)
    if returning:
        return list(query.returning(*[model._meta.fields[name] for name in returning]).tuples().execute())
    query.execute()
    return []


def insert_unless_conflict(model: type[Model], row: dict, *, conflict: tuple[str, ...]) -> bool:
    """Insert one row (defaults fill the columns not given) unless a row with the same values in
    the `conflict` columns (a unique index) exists: INSERT … ON CONFLICT (…) DO NOTHING, on
    SQLite and PostgreSQL alike; any other constraint still raises. True when this call inserted."""
    full = _with_defaults(model, row)
    entry = None if built_sql.has_expression(full.values()) else built_sql.entry(
        ("insert-unless-conflict", model, tuple(full), conflict, type(database.obj)),
        lambda: built_sql.build(lambda values: _insert_unless(model, values, conflict), _fields(model, full), full))
    if entry is None:
        sql, params = _insert_unless(model, full, conflict).sql()
        return database.execute_sql(sql, params).rowcount == 1
    sql, fields = entry
    return database.execute_sql(sql, built_sql.values(fields, full)).rowcount == 1


def _insert_unless(model: type[Model], values: dict, conflict: tuple[str, ...]):
    target = [model._meta.fields[name] for name in conflict]
    return model.insert(**values).on_conflict(conflict_target=target, action="NOTHING").returning()


def insert_values_unless_conflict(model: type[Model], rows: list[dict], *, conflict: tuple[str, ...],
                                  returning: str) -> set:
    """`insert_unless_conflict` for many rows in multi-row statements: the `returning` column's
    values of the rows this call inserted (a row whose `conflict` columns exist is left out)."""
    return {r[0] for r in insert_values_unless_conflict_returning(model, rows, conflict=conflict,
                                                                  returning=(returning,))}


def insert_values_unless_conflict_returning(model: type[Model], rows: list[dict], *, conflict: tuple[str, ...],
                                            returning: tuple[str, ...]) -> list[tuple]:
    """`insert_values_unless_conflict` giving the `returning` columns of each row this call inserted, in no
    promised order (return a column that tells the rows apart)."""
    if not rows:
        return []
    full = [_with_defaults(model, row) for row in rows]
    fields = _fields(model, full[0])
    entry = None if built_sql.has_expression(v for row in full for v in row.values()) else built_sql.entry(
        ("insert-unless-conflict", model, tuple(full[0]), conflict, type(database.obj)),
        lambda: built_sql.build(lambda values: _insert_unless(model, values, conflict), fields, full[0]))
    columns = [model._meta.fields[name] for name in returning]
    if entry is None or " VALUES (" not in entry[0] or " ON CONFLICT " not in entry[0]:
        return [_read_back(model, row, conflict, columns) for row in full
                if insert_unless_conflict(model, row, conflict=conflict)]
    sql, fields = entry
    head, rest = sql.split(" VALUES ", 1)
    group, on_conflict = rest.split(" ON CONFLICT ", 1)
    on_conflict = on_conflict.split(" RETURNING ", 1)[0]
    tail = ", ".join(f'"{c.column_name}"' for c in columns)
    found: list[tuple] = []
    for chunk_sql, params in _many(model, head, group, fields, full, f" ON CONFLICT {on_conflict} RETURNING {tail}"):
        cursor = database.execute_sql(chunk_sql, params)
        found += [tuple(c.python_value(v) for c, v in zip(columns, r, strict=True)) for r in cursor.fetchall()]
    return found


def _many(model: type[Model], head: str, group: str, fields: tuple, full: list[dict],
          tail: str) -> list[tuple[str, list]]:
    """The statements (SQL, parameters) inserting these rows: `head` (INSERT INTO … (columns)), the rows, `tail`.
    SQLite: VALUES with a group of parameters per row, a few hundred rows a statement. PostgreSQL: one array
    per column, unnested: the SQL is the same whatever the number of rows and has one parameter per column, so
    the driver converts it once (a VALUES list of hundreds of parameters was parsed again on every execution:
    a tenth of a PostgreSQL worker's time) and the server prepares it once. The arrays go in the binary format:
    the text format escapes every element with a regular expression, which cost more than the parsing saved."""
    converted = [built_sql.values(fields, row) for row in full]
    if is_postgres():
        casts = ", ".join(f"%b::{kind}[]" for kind in _column_types(model, fields))
        columns = [list(column) for column in zip(*converted, strict=True)]
        return [(f"{head} SELECT * FROM unnest({casts}){tail}", columns)]
    per = max(1, MAX_PARAMETERS // len(fields))
    return [(f"{head} VALUES {', '.join([group] * len(converted[start:start + per]))}{tail}",
             [value for row in converted[start:start + per] for value in row])
            for start in range(0, len(converted), per)]


_TYPES: dict[str, dict[str, str]] = {}


def _column_types(model: type[Model], fields: tuple) -> list[str]:
    """PostgreSQL: the types of these fields' columns as the table has them (peewee's introspection, as the
    migrations read columns), without their modifiers: an explicit cast to varchar(n) would cut a longer value
    where the column refuses it. Read once a table, and again when a column is not among those read (a
    database migrated further than the one read first)."""
    table = model._meta.table_name
    types = _TYPES.get(table)
    if types is None or any(field.column_name not in types for field in fields):
        types = _TYPES[table] = {column.name: column.data_type for column in database.get_columns(table)}
    return [types[field.column_name] for field in fields]


def _read_back(model: type[Model], row: dict, conflict: tuple[str, ...], columns: list) -> tuple:
    where = [model._meta.fields[name] == row[name] for name in conflict]
    return tuple(model.select(*columns).where(*where).tuples().first())


def _with_defaults(model: type[Model], row: dict) -> dict:
    """Every column of `model` but its key: the row's value, else the field's default (called when it is a
    function), else None."""
    return {name: row[name] if name in row else (default() if call else default)
            for name, default, call in _defaults(model)}


@cache  # a model's fields are fixed when its class is made
def _defaults(model: type[Model]) -> tuple[tuple[str, object, bool], ...]:
    return tuple((field.name, field.default, callable(field.default)) for field in model._meta.sorted_fields
                 if field is not model._meta.primary_key)


def _fields(model: type[Model], row: dict) -> tuple:
    return tuple(model._meta.fields[name] for name in row)


def _new_id(sql: str, cursor) -> int:
    if " RETURNING " in sql.upper():
        return cursor.fetchone()[0]
    return cursor.lastrowid
