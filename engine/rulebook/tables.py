"""Decision tables: matrix-shaped policy (topic × municipality → body) as one rule.

A table is one rule in a ruleset file; the engine sees it as a single rule whose condition is
"the table has a row for these facts" (evaluated in Python before the engine, like phrases),
and its outcomes are those of the matching row. The lookup is a dict per wildcard pattern, so a
table of hundreds of rows costs a handful of dict lookups, not hundreds of rules.

```yaml
- id: municipal-matrix
  description: Городские вопросы по муниципалитетам
  table:
    inputs: [municipality, topic]
    rows:
      - {id: biysk, when: [biysk, [housing, other]], then: {assign: {body: biysk-admin}}}
      - {id: rubtsovsk-any, when: [rubtsovsk, "*"], then: {assign: {body: rubtsovsk-admin}}}
```

A cell is a value (equals), a list of values (in) or ``"*"`` (any value, the fact may be
missing). The first matching row in declared order wins. A row that an earlier row fully
covers is an error. The id a decision records for a row is ``<table id>:<row id>``; row ids
default to ``r<row number>`` (give explicit ids when rows may be reordered).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .model import Outcomes
from .parsing import RULE_ID

ANY = "*"
MAX_INPUTS = 6
_ROW_ID = RULE_ID  # a row id is written like a rule id


@dataclass(frozen=True)
class TableRow:
    id: str
    cells: tuple[object, ...]  # per input: ANY or a tuple of allowed values
    then: Outcomes
    line: int  # 1-based position in the table


@dataclass(frozen=True, eq=False)
class DecisionTable:
    rule_id: str
    inputs: tuple[str, ...]
    rows: tuple[TableRow, ...]

    def __post_init__(self):
        index: dict[tuple[bool, ...], dict[tuple, int]] = {}
        for i, row in enumerate(self.rows):
            mask = tuple(cell == ANY for cell in row.cells)
            values = [((None,) if cell == ANY else cell) for cell in row.cells]
            bucket = index.setdefault(mask, {})
            for key in itertools.product(*values):
                bucket.setdefault(key, i)
        object.__setattr__(self, "_index", index)

    def lookup(self, facts: dict) -> TableRow | None:
        """The first row (in declared order) that matches the facts, or None."""
        values = [facts.get(name) for name in self.inputs]
        best = None
        for mask, bucket in self._index.items():
            key = tuple(None if wild else v for wild, v in zip(mask, values, strict=True))
            if not all(wild or v is not None for wild, v in zip(mask, values, strict=True)):
                continue
            i = bucket.get(key)
            if i is not None and (best is None or i < best):
                best = i
        return None if best is None else self.rows[best]

    def row_rule_id(self, row: TableRow) -> str:
        return f"{self.rule_id}:{row.id}"

    def to_dict(self) -> dict:
        return {
            "inputs": list(self.inputs),
            "rows": [
                {"id": r.id, "when": [c if c == ANY else list(c) for c in r.cells], "then": r.then.to_dict()}
                for r in self.rows
            ],
        }


def covered_by(earlier: TableRow, later: TableRow) -> bool:
    """True when every input the later row matches is matched by the earlier row too."""
    for a, b in zip(earlier.cells, later.cells, strict=True):
        if a == ANY:
            continue
        if b == ANY or not set(b) <= set(a):
            return False
    return True


def parse_table(ctx, raw, *, facts: dict, scalar, parse_outcomes) -> DecisionTable:
    """Validate a ``table:`` mapping. ``scalar(ctx, spec, value, path)`` checks one cell value and
    ``parse_outcomes(ctx, raw)`` one row's outcomes (``conditions.parse_scalar`` and ``outcomes.parse_outcomes``)."""
    if not isinstance(raw, dict):
        raise ctx.error("table", "ожидается словарь с inputs и rows")
    for k in raw:
        if k not in ("inputs", "rows"):
            raise ctx.error(f"table.{k}", "неизвестное поле; допустимы inputs, rows")
    inputs = raw.get("inputs")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or len(inputs) > MAX_INPUTS:
        raise ctx.error("table.inputs", f"ожидается список из 1–{MAX_INPUTS} фактов")
    specs = []
    for i, name in enumerate(inputs):
        spec = facts.get(name) if isinstance(name, str) else None
        if spec is None:
            raise ctx.error(f"table.inputs[{i}]", f"нет факта {name!r}")
        if spec.type == "list" or not spec.engine:
            raise ctx.error(f"table.inputs[{i}]", f"факт {name} не может быть входом таблицы (списки и текст не могут)")
        specs.append(spec)
    if len(set(inputs)) != len(inputs):
        raise ctx.error("table.inputs", "вход указан дважды")
    raw_rows = raw.get("rows")
    if not isinstance(raw_rows, list) or not raw_rows:
        raise ctx.error("table.rows", "ожидается непустой список строк")
    rows: list[TableRow] = []
    ids: set[str] = set()
    for n, raw_row in enumerate(raw_rows, start=1):
        where = f"table.rows[{n - 1}]"
        if not isinstance(raw_row, dict) or set(raw_row) - {"id", "when", "then"} or "when" not in raw_row:
            raise ctx.error(where, "ожидается словарь с when, then и необязательным id")
        rid = raw_row.get("id", f"r{n}")
        if not isinstance(rid, str) or not _ROW_ID.match(rid) or rid in ids:
            raise ctx.error(f"{where}.id", f"неверный или повторный id строки {rid!r}")
        ids.add(rid)
        when = raw_row["when"]
        if not isinstance(when, list) or len(when) != len(inputs):
            raise ctx.error(f"{where}.when", f"ожидается ячеек: {len(inputs)} ({', '.join(inputs)})")
        cells: list[object] = []
        for j, (cell, spec) in enumerate(zip(when, specs, strict=True)):
            cpath = f"{where}.when[{j}]"
            if cell == ANY:
                cells.append(ANY)
                continue
            items = cell if isinstance(cell, list) else [cell]
            if not items:
                raise ctx.error(cpath, "ожидается значение, непустой список значений или '*'")
            cells.append(tuple(dict.fromkeys(scalar(ctx, spec, v, cpath) for v in items)))
        if "then" not in raw_row:
            raise ctx.error(f"{where}.then", "обязательное поле отсутствует")
        then = parse_outcomes(ctx, raw_row["then"], f"{where}.then")
        row = TableRow(rid, tuple(cells), then, n)
        for earlier in rows:
            if covered_by(earlier, row):
                raise ctx.error(where, f"строка {rid} никогда не применяется: строка {earlier.id} "
                                       f"(строка {earlier.line}) подходит ко всему, к чему подходит она")
        rows.append(row)
    return DecisionTable(ctx.rule, tuple(inputs), tuple(rows))
