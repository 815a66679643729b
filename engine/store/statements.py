"""Statements on the webhook's hot path with their SQL built once.

peewee rebuilds the SQL of every query from its expression tree; for a wide row that costs more
than SQLite's own work. `insert_row` and `first_where` ask peewee for the SQL of the first
statement of a given shape (model, columns, database), check that converting the values with the
fields gives exactly the parameters peewee produced, and from then on only convert values. A shape
whose parameters do not match (a field peewee treats specially) is never cached and always goes
through peewee. Rows come back as model instances with each field's own conversion.
"""

from __future__ import annotations

from peewee import Model

from .db import database

_CACHE: dict[tuple, tuple[str, tuple] | None] = {}


def insert_row(model: type[Model], row: dict) -> int:
    """Insert one row given every column the caller sets; defaults fill the rest. Returns the id."""
    return _insert(model, _with_defaults(model, row))


def _insert(model: type[Model], full: dict) -> int:
    key = ("insert", model, tuple(full), type(database.obj))
    entry = _CACHE.get(key, False)
    if entry is False:
        entry = _CACHE[key] = _compile(model, full)
    if entry is None:
        return model.insert(**full).execute()
    sql, fields = entry
    return _new_id(sql, database.execute_sql(sql, _values(fields, full)))


def create(model: type[Model], row: dict) -> Model:
    """`model.create(**row)` through `insert_row`: the new row as an instance."""
    full = _with_defaults(model, row)
    instance = model(**full)
    instance.id = _insert(model, full)
    instance._dirty.clear()
    return instance


def first_where(model: type[Model], *, for_update: bool = False, **equals) -> Model | None:
    """The first row whose fields equal the given values, as a model instance, or None;
    `for_update` locks it (on databases that lock rows)."""
    sql, params = _select(model, False, equals, for_update)
    if sql is None:
        return _peewee_select(model, False, equals, for_update).first()
    cursor = database.execute_sql(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    columns = model._meta.columns
    instance = model(**{columns[d[0]].name: columns[d[0]].python_value(value)
                        for d, value in zip(cursor.description, row, strict=True)})
    instance._dirty.clear()  # as loaded: saving it writes only what changes later
    return instance


def first_id_where(model: type[Model], **equals) -> int | None:
    """The id of the first row whose fields equal the given values, or None."""
    sql, params = _select(model, True, equals)
    if sql is None:
        row = _peewee_select(model, True, equals).tuples().first()
    else:
        row = database.execute_sql(sql, params).fetchone()
    return row[0] if row else None


def _select(model: type[Model], id_only: bool, equals: dict, for_update: bool = False) -> tuple[str | None, list]:
    key = ("select", model, id_only, tuple(equals), for_update, type(database.obj))
    entry = _CACHE.get(key, False)
    if entry is False:
        sql, params = _peewee_select(model, id_only, equals, for_update).sql()
        fields = tuple(model._meta.fields[name] for name in equals)
        mine = _values(fields, equals)
        # the LIMIT may come as a parameter after the conditions' values
        tail = list(params[len(mine):]) if list(params[:len(mine)]) == mine else None
        entry = _CACHE[key] = (sql, fields, tail) if tail in ([], [1]) else None
    if entry is None:
        return None, []
    sql, fields, tail = entry
    return sql, _values(fields, equals) + tail


def _peewee_select(model: type[Model], id_only: bool, equals: dict, for_update: bool = False):
    query = model.select(model._meta.primary_key) if id_only else model.select()
    query = query.where(*[model._meta.fields[name] == value for name, value in equals.items()]).limit(1)
    return query.for_update() if for_update else query


def _values(fields: tuple, row: dict) -> list:
    return [field.db_value(row[field.name]) for field in fields]


def _with_defaults(model: type[Model], row: dict) -> dict:
    full = {}
    for field in model._meta.sorted_fields:
        if field is model._meta.primary_key:
            continue
        if field.name in row:
            full[field.name] = row[field.name]
        elif field.default is not None:
            full[field.name] = field.default() if callable(field.default) else field.default
        else:
            full[field.name] = None
    return full


def _compile(model: type[Model], full: dict) -> tuple[str, tuple] | None:
    sql, params = model.insert(**full).sql()
    fields = tuple(model._meta.fields[name] for name in full)
    return (sql, fields) if list(params) == _values(fields, full) else None


def _new_id(sql: str, cursor) -> int:
    if " RETURNING " in sql.upper():
        return cursor.fetchone()[0]
    return cursor.lastrowid
