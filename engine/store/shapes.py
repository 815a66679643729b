"""Queries run many times with one shape and different values, their SQL built once.

peewee builds the SQL of a query from its expression tree on every execution; for a select of a
wide model or an UPDATE … FROM that costs 0.1–0.4 ms, more than SQLite's own work. Here a query
is written once as `build(p)`, taking each value as `p.name`; the first call of a shape builds it
twice, with slots in place of the values (the SQL, and for each parameter the value it takes and
the conversion peewee applies at that place) and with the values themselves, and keeps the shape
only when both give the same SQL and binding the values gives exactly peewee's parameters. Later
calls only bind. A shape that fails the check is never kept and always goes through peewee, and
so does a call with None, an empty list or an expression among its values (peewee writes IS NULL,
a false condition or the expression's SQL there, not a parameter). A list value becomes one
parameter per item: its length is part of the shape. `build` may look at which values it is given
(`"name" in p`), never at what they are: the SQL of a shape must not depend on them.

* `rows`: the model instances a select gives;
* `tuples`: the rows of a select or a write … RETURNING, as tuples converted by their columns' fields;
* `execute`: a write's count of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peewee import ColumnBase, Field, Model, Node, Value

from .db import database


class _Slot(ColumnBase):
    """A value's place in a query being built: a parameter whose conversion is peewee's at that place."""

    def __init__(self, name: str, index: int | None, field: Field | None):
        super().__init__()
        self.name, self.index, self.field = name, index, field

    def __sql__(self, ctx):
        converter = self.field.db_value if self.field is not None else ctx.state.converter
        ctx._values.append(_Param(self.name, self.index, converter))
        return ctx.literal(ctx.state.param or "?")


@dataclass(frozen=True)
class _Param:
    name: str
    index: int | None  # the item of a list value
    converter: Callable | None

    def bind(self, values: dict):
        value = values[self.name] if self.index is None else values[self.name][self.index]
        return self.converter(value) if self.converter else value


class _Values:
    """What `build` reads its values from: the values themselves, or slots. A value named in `fields` is
    converted as that field converts (where peewee would not know the field, e.g. a value an UPDATE sets)
    and is one parameter even when it is a list (a JSON column's value); any other list is one parameter
    per item."""

    def __init__(self, values: dict, slots: bool, fields: dict):
        self._values, self._slots, self._fields = values, slots, fields

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._values:
            raise AttributeError(name)
        value, field = self._values[name], self._fields.get(name)
        if not self._slots:
            return value if field is None else Value(value, converter=field.db_value, unpack=False)
        if field is None and isinstance(value, list | tuple):
            return [_Slot(name, i, None) for i in range(len(value))]
        return _Slot(name, None, field)


_CACHE: dict[tuple, tuple | None] = {}


def rows(key: str, model: type[Model], build: Callable, *, fields: dict | None = None, **values) -> list:
    """The instances of `model` the select `build(p)` gives."""
    shape = _shape(key, build, fields or {}, values)
    if shape is None:
        return list(build(_Values(values, False, fields or {})))
    sql, params, _ = shape
    return list(model.raw(sql, *_bind(params, values)))


def tuples(key: str, build: Callable, *, fields: dict | None = None, **values) -> list[tuple]:
    """The rows a select or a write … RETURNING `build(p)` gives, as tuples converted by their columns' fields."""
    shape = _shape(key, build, fields or {}, values)
    if shape is None:
        return list(build(_Values(values, False, fields or {})).tuples().execute())
    sql, params, converters = shape
    cursor = database.execute_sql(sql, _bind(params, values))
    return [tuple(c(v) if c else v for c, v in zip(converters, row, strict=True)) for row in cursor.fetchall()]


def execute(key: str, build: Callable, *, fields: dict | None = None, **values) -> int:
    """Run the write `build(p)`; the count of rows it changed."""
    shape = _shape(key, build, fields or {}, values)
    if shape is None:
        return build(_Values(values, False, fields or {})).execute()
    sql, params, _ = shape
    return database.execute_sql(sql, _bind(params, values)).rowcount


def _bind(params, values: dict) -> list:
    """The parameters of a kept shape for these values; a constant the query itself holds stays as it is."""
    return [p.bind(values) if isinstance(p, _Param) else p for p in params]


def _shape(key: str, build: Callable, fields: dict, values: dict) -> tuple | None:
    """(SQL, parameters, returning columns' converters) of this shape, or None: through peewee."""
    lengths = []
    for name, value in values.items():
        listed = name not in fields and isinstance(value, list | tuple)
        if value is None or (listed and not value) or isinstance(value, Node):
            return None
        lengths.append(len(value) if listed else None)
    cache_key = (key, type(database.obj), tuple(values), tuple(lengths))
    shape = _CACHE.get(cache_key, False)
    if shape is False:
        shape = _CACHE[cache_key] = _build(build, fields, values)
    return shape


def _build(build: Callable, fields: dict, values: dict) -> tuple | None:
    template = build(_Values(values, True, fields))
    sql, params = template.sql()
    real_sql, real_params = build(_Values(values, False, fields or {})).sql()
    if sql != real_sql or _bind(params, values) != list(real_params):
        return None
    columns = getattr(template, "_returning", None) or ()  # a select's columns, or a write's RETURNING
    converters = [c.python_value if isinstance(c, Field) else None for c in columns]
    return sql, tuple(params), converters
