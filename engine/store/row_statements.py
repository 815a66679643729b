"""One row by its id or by its columns' values, with the SQL built once per shape (engine.store.built_sql),
as engine.store.statements does for inserts.

* `update_by_id`: set given columns of one row; `update_many`: the same for many rows;
* `first_where`, `first_id_where`: the first row (or its id) whose fields equal given values.
"""

from __future__ import annotations

from peewee import Model

from . import built_sql
from .db import database


def update_many(model: type[Model], changes: list[tuple[int, dict]]) -> None:
    """`update_by_id` for many rows whose changes set the same columns: one statement built once,
    executed for each row in one call (psycopg sends them in a pipeline, not one round trip each)."""
    if not changes:
        return
    first = changes[0][1]
    entry = None if built_sql.has_expression(v for _, row in changes for v in row.values()) else built_sql.entry(
        ("update", model, tuple(first), type(database.obj)), lambda: _build_update(model, first, changes[0][0]))
    if entry is None or any(tuple(row) != tuple(first) for _, row in changes):
        for row_id, row in changes:
            update_by_id(model, row_id, row)
        return
    sql, fields = entry
    pk = model._meta.primary_key
    database.cursor().executemany(sql, [[*built_sql.values(fields[:-1], row), pk.db_value(row_id)]
                                        for row_id, row in changes])


def update_by_id(model: type[Model], row_id: int, changes: dict) -> int:
    """Set the given columns of the row with this id; the number of rows changed (0 or 1)."""
    pk = model._meta.primary_key
    entry = None if built_sql.has_expression(changes.values()) else built_sql.entry(
        ("update", model, tuple(changes), type(database.obj)), lambda: _build_update(model, changes, row_id))
    if entry is None:
        return model.update(**changes).where(pk == row_id).execute()
    sql, fields = entry
    return database.execute_sql(sql, [*built_sql.values(fields[:-1], changes), pk.db_value(row_id)]).rowcount


def _build_update(model: type[Model], changes: dict, row_id: int) -> tuple[str, tuple] | None:
    pk = model._meta.primary_key
    fields = tuple(f for f in model._meta.sorted_fields if f.name in changes and f is not pk)
    if len(fields) != len(changes):
        return None  # an unknown column or the id itself: peewee says what is wrong
    return built_sql.build(
        lambda values: model.update(**{f.name: values[f.name] for f in fields}).where(pk == values[pk.name]),
        (*fields, pk), {**changes, pk.name: row_id})


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
    entry = built_sql.CACHE.get(key, False)
    if entry is False:
        sql, params = _peewee_select(model, id_only, equals, for_update).sql()
        fields = tuple(model._meta.fields[name] for name in equals)
        mine = built_sql.values(fields, equals)
        # the LIMIT may come as a parameter after the conditions' values
        tail = list(params[len(mine):]) if list(params[:len(mine)]) == mine else None
        entry = built_sql.CACHE[key] = (sql, fields, tail) if tail in ([], [1]) else None
    if entry is None:
        return None, []
    sql, fields, tail = entry
    return sql, built_sql.values(fields, equals) + tail


def _peewee_select(model: type[Model], id_only: bool, equals: dict, for_update: bool = False):
    query = model.select(model._meta.primary_key) if id_only else model.select()
    query = query.where(*[model._meta.fields[name] == value for name, value in equals.items()]).limit(1)
    return query.for_update() if for_update else query
