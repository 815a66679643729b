"""SQL built once for each shape of a statement (engine.store.statements, engine.store.row_statements).

peewee builds a query's SQL from its expression tree on every execution. `build` asks peewee once for the
SQL of a statement given distinct markers and given the real values, and keeps it only when peewee put one
parameter per field, in the fields' order, and converting the values with the fields gives exactly peewee's
parameters; `entry` keeps what `build` gave (or None: that shape always goes through peewee) per key.
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import Node, Value

CACHE: dict[tuple, tuple | None] = {}


def values(fields: tuple, row: dict) -> list:
    """The row's values of these fields, converted as each field converts them."""
    return [field.db_value(row[field.name]) for field in fields]


def entry(key: tuple, make: Callable[[], tuple[str, tuple] | None]) -> tuple[str, tuple] | None:
    """The (SQL, fields) of a shape, made on its first use; None: this shape goes through peewee."""
    kept = CACHE.get(key, False)
    if kept is False:
        kept = CACHE[key] = make()
    return kept


def build(query: Callable[[dict], object], fields: tuple, row: dict) -> tuple[str, tuple] | None:
    """(SQL, fields in parameter order) of `query(values)`, or None when the SQL cannot be reused:
    peewee must give one parameter per field, in the fields' order (checked with distinct markers
    that no conversion touches), and the same parameters as converting `row` with the fields."""
    markers = {field.name: Value(i, converter=False) for i, field in enumerate(fields)}
    probe_sql, probe = query(markers).sql()
    sql, params = query(row).sql()
    if sql != probe_sql or list(probe) != list(range(len(fields))) or list(params) != values(fields, row):
        return None
    return sql, fields


def has_expression(items) -> bool:
    """Whether any of these values is a peewee expression (its SQL is written into the statement)."""
    return any(isinstance(item, Node) for item in items)
