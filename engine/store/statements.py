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
* `update_by_id`: set given columns of one row; `update_many`: the same for many rows;
* `insert_values_unless_conflict`: many rows, those whose unique key exists left out;
  `insert_values_unless_conflict_returning`: the same, giving columns of the rows inserted;
* `first_where`, `first_id_where`: the first row (or its id) whose fields equal given values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from peewee import Model, Node, Value

from .db import database, is_postgres

_CACHE: dict[tuple, tuple | None] = {}


def insert_row(model: type[Model], row: dict) -> int:
    """Insert one row given every column the caller sets; defaults fill the rest. Returns the id."""
    return _insert(model, _with_defaults(model, row))


def _insert(model: type[Model], full: dict) -> int:
    entry = None if _has_expression(full.values()) else _entry(
        ("insert", model, tuple(full), type(database.obj)),
        lambda: _build(lambda values: model.insert(**values), _fields(model, full), full))
    if entry is None:
        return model.insert(**full).execute()
    sql, fields = entry
    return _new_id(sql, database.execute_sql(sql, _values(fields, full)))


def insert_linked(model: type[Model], row: dict, other: type[Model], other_row: dict, *, link: str) -> int | None:
    """One row of `model`, and one of `other` whose field `link` takes the new row's id, with one
    statement on PostgreSQL (WITH … INSERT … RETURNING … INSERT … SELECT): one round trip, and atomic by
    itself outside a transaction. Returns the new id; None where one statement cannot do it (SQLite has no
    INSERT inside WITH, or a shape peewee must build): the caller inserts the two rows in a transaction."""
    if not is_postgres():
        return None
    full, other_full = _with_defaults(model, row), _with_defaults(other, {**other_row, link: 0})
    if _has_expression([*full.values(), *other_full.values()]):
        return None
    entry = _entry(("insert-linked", model, tuple(full), other, tuple(other_full), link, type(database.obj)),
                   lambda: _build_linked(model, full, other, other_full, link))
    if entry is None:
        return None
    sql, fields, other_fields = entry
    return database.execute_sql(sql, _values(fields, full) + _values(other_fields, other_full)).fetchone()[0]


def _build_linked(model, full: dict, other, other_full: dict, link: str) -> tuple[str, tuple, tuple] | None:
    first = _build(lambda values: model.insert(**values), _fields(model, full), full)
    second = _build(lambda values: other.insert(**values), _fields(other, other_full), other_full)
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
    entry = None if _has_expression(v for row in full for v in row.values()) else _entry(
        ("insert-rows", model, tuple(full[0]), type(database.obj)),
        lambda: _build(lambda values: model.insert(**values).returning(), _fields(model, full[0]), full[0]))
    if entry is None:
        model.insert_many(full).execute()
        return
    sql, fields = entry
    database.cursor().executemany(sql, [_values(fields, row) for row in full])


MAX_PARAMETERS = 30_000  # SQLite allows 32,766 parameters in one statement, PostgreSQL 65,535


def insert_values(model: type[Model], rows: list[dict], *, returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert many rows, all given the same columns (defaults fill the rest), with multi-row
    INSERT … VALUES statements: one round trip per few hundred rows. With `returning`, the rows
    RETURNING those columns, in no promised order (neither database promises one): return a
    column that tells the rows apart. Rows whose values are expressions go through peewee."""
    return prepared_insert(model, rows, returning=returning)()


def prepared_insert(model: type[Model], rows: list[dict], *,
                    returning: tuple[str, ...] = ()) -> Callable[[], list[tuple]]:
    """`insert_values` in two steps: the SQL built and every value converted (JSON encoded, times
    in UTC) now, before a transaction; the statements run when the result is called, inside it."""
    if not rows:
        return list
    full = [_with_defaults(model, row) for row in rows]
    fields = _fields(model, full[0])
    entry = None if _has_expression(v for row in full for v in row.values()) else _entry(
        ("insert", model, tuple(full[0]), type(database.obj)),
        lambda: _build(lambda values: model.insert(**values), fields, full[0]))
    if entry is None or " VALUES (" not in entry[0]:
        return lambda: _insert_many(model, full, returning)
    sql, fields = entry
    head, group = sql.split(" VALUES ", 1)
    group = group.split(" RETURNING ", 1)[0]  # PostgreSQL's single-row form returns the id
    tail = ""
    if returning:
        tail = " RETURNING " + ", ".join(f'"{model._meta.fields[n].column_name}"' for n in returning)
    converters = [model._meta.fields[name] for name in returning]
    per = max(1, MAX_PARAMETERS // len(fields))
    chunks = [(f"{head} VALUES {', '.join([group] * len(full[start:start + per]))}{tail}",
               [value for row in full[start:start + per] for value in _values(fields, row)])
              for start in range(0, len(full), per)]

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
    entry = None if _has_expression(full.values()) else _entry(
        ("insert-unless-conflict", model, tuple(full), conflict, type(database.obj)),
        lambda: _build(lambda values: _insert_unless(model, values, conflict), _fields(model, full), full))
    if entry is None:
        sql, params = _insert_unless(model, full, conflict).sql()
        return database.execute_sql(sql, params).rowcount == 1
    sql, fields = entry
    return database.execute_sql(sql, _values(fields, full)).rowcount == 1


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
    entry = None if _has_expression(v for row in full for v in row.values()) else _entry(
        ("insert-unless-conflict", model, tuple(full[0]), conflict, type(database.obj)),
        lambda: _build(lambda values: _insert_unless(model, values, conflict), fields, full[0]))
    columns = [model._meta.fields[name] for name in returning]
    if entry is None or " VALUES (" not in entry[0] or " ON CONFLICT " not in entry[0]:
        return [_read_back(model, row, conflict, columns) for row in full
                if insert_unless_conflict(model, row, conflict=conflict)]
    sql, fields = entry
    head, rest = sql.split(" VALUES ", 1)
    group, on_conflict = rest.split(" ON CONFLICT ", 1)
    on_conflict = on_conflict.split(" RETURNING ", 1)[0]
    tail = ", ".join(f'"{c.column_name}"' for c in columns)
    per = max(1, MAX_PARAMETERS // len(fields))
    found: list[tuple] = []
    for start in range(0, len(full), per):
        chunk = full[start:start + per]
        cursor = database.execute_sql(
            f'{head} VALUES {", ".join([group] * len(chunk))} ON CONFLICT {on_conflict} RETURNING {tail}',
            [v for row in chunk for v in _values(fields, row)])
        found += [tuple(c.python_value(v) for c, v in zip(columns, r, strict=True)) for r in cursor.fetchall()]
    return found


def _read_back(model: type[Model], row: dict, conflict: tuple[str, ...], columns: list) -> tuple:
    where = [model._meta.fields[name] == row[name] for name in conflict]
    return tuple(model.select(*columns).where(*where).tuples().first())


def update_many(model: type[Model], changes: list[tuple[int, dict]]) -> None:
    """`update_by_id` for many rows whose changes set the same columns: one statement built once,
    executed for each row in one call (psycopg sends them in a pipeline, not one round trip each)."""
    if not changes:
        return
    first = changes[0][1]
    entry = None if _has_expression(v for _, row in changes for v in row.values()) else _entry(
        ("update", model, tuple(first), type(database.obj)), lambda: _build_update(model, first, changes[0][0]))
    if entry is None or any(tuple(row) != tuple(first) for _, row in changes):
        for row_id, row in changes:
            update_by_id(model, row_id, row)
        return
    sql, fields = entry
    pk = model._meta.primary_key
    database.cursor().executemany(sql, [[*_values(fields[:-1], row), pk.db_value(row_id)] for row_id, row in changes])


def update_by_id(model: type[Model], row_id: int, changes: dict) -> int:
    """Set the given columns of the row with this id; the number of rows changed (0 or 1)."""
    pk = model._meta.primary_key
    entry = None if _has_expression(changes.values()) else _entry(
        ("update", model, tuple(changes), type(database.obj)), lambda: _build_update(model, changes, row_id))
    if entry is None:
        return model.update(**changes).where(pk == row_id).execute()
    sql, fields = entry
    return database.execute_sql(sql, [*_values(fields[:-1], changes), pk.db_value(row_id)]).rowcount


def _build_update(model: type[Model], changes: dict, row_id: int) -> tuple[str, tuple] | None:
    pk = model._meta.primary_key
    fields = tuple(f for f in model._meta.sorted_fields if f.name in changes and f is not pk)
    if len(fields) != len(changes):
        return None  # an unknown column or the id itself: peewee says what is wrong
    return _build(lambda values: model.update(**{f.name: values[f.name] for f in fields}).where(pk == values[pk.name]),
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


def _entry(key: tuple, build: Callable[[], tuple[str, tuple] | None]) -> tuple[str, tuple] | None:
    """The (SQL, fields) of a shape, built on its first use; None: this shape goes through peewee."""
    entry = _CACHE.get(key, False)
    if entry is False:
        entry = _CACHE[key] = build()
    return entry


def _build(query: Callable[[dict], object], fields: tuple, row: dict) -> tuple[str, tuple] | None:
    """(SQL, fields in parameter order) of `query(values)`, or None when the SQL cannot be reused:
    peewee must give one parameter per field, in the fields' order (checked with distinct markers
    that no conversion touches), and the same parameters as converting `row` with the fields."""
    markers = {field.name: Value(i, converter=False) for i, field in enumerate(fields)}
    probe_sql, probe = query(markers).sql()
    sql, params = query(row).sql()
    if sql != probe_sql or list(probe) != list(range(len(fields))) or list(params) != _values(fields, row):
        return None
    return sql, fields


def _has_expression(values) -> bool:
    return any(isinstance(value, Node) for value in values)


def _new_id(sql: str, cursor) -> int:
    if " RETURNING " in sql.upper():
        return cursor.fetchone()[0]
    return cursor.lastrowid
