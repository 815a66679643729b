"""Many open appeals at once, cloned from one routed appeal inside the database (tests and benchmarks).

Each clone copies the template's row with INSERT … SELECT over a generated series, so a million
appeals take seconds rather than the minutes row-by-row inserts would.
"""

from __future__ import annotations

from datetime import timedelta

from engine.store.db import database, is_postgres
from engine.store.models import AppealRecord, ClockRecord, EscalationRecord


def seed_open_appeals(template_appeal_id: int, *, total: int, due: int, clock_kind: str = "answer") -> None:
    """Clone the template appeal `total` times with its `clock_kind` clock and escalation state;
    `due` clones, spread evenly, are as due as the template, the rest wait half a year."""
    if total <= 0:
        return
    clock = ClockRecord.get((ClockRecord.appeal == template_appeal_id) & (ClockRecord.kind == clock_kind))
    state = EscalationRecord.get(EscalationRecord.clock == clock.id)
    later = EscalationRecord.next_check_at.db_value(state.next_check_at + timedelta(days=180))
    stride = max(total // due, 1) if due else 1  # every stride-th clone is due: spread over the table
    base = {model: _max_id(model) for model in (AppealRecord, ClockRecord, EscalationRecord)}
    with database.atomic():
        _clone(AppealRecord, template_appeal_id, total, {
            "id": f"{base[AppealRecord]} + s.i",
            "external_id": "t.external_id || '-clone-' || s.i",
        })
        _clone(ClockRecord, clock.id, total, {
            "id": f"{base[ClockRecord]} + s.i",
            "appeal_id": f"{base[AppealRecord]} + s.i",
        })
        _clone(EscalationRecord, state.id, total, {
            "id": f"{base[EscalationRecord]} + s.i",
            "clock_id": f"{base[ClockRecord]} + s.i",
            "next_check_at": f"CASE WHEN MOD(s.i, {stride}) = 0 AND s.i <= {stride * due} THEN t.next_check_at "
                             f"ELSE {database.param} END",
        }, params=[later])
    if is_postgres():
        for model in (AppealRecord, ClockRecord, EscalationRecord):
            table = model._meta.table_name
            database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _clone(model, template_id: int, count: int, overrides: dict[str, str], params: list | None = None) -> None:
    table = model._meta.table_name
    # the model's columns: a column the database computes itself (appeal_record.search) is never written
    columns = [c.name for c in database.get_columns(table) if c.name in model._meta.columns]
    selected = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    if is_postgres():
        series = f"generate_series(1, {int(count)}) AS s(i)"
        prefix = ""
    else:
        prefix = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(count)}) "
        series = "s"
    names = ", ".join(f'"{c}"' for c in columns)
    database.execute_sql(
        f'{prefix}INSERT INTO "{table}" ({names}) SELECT {selected} FROM "{table}" AS t, {series} '
        f"WHERE t.id = {int(template_id)}",
        params or [],
    )


def _max_id(model) -> int:
    return model.select(model.id).order_by(model.id.desc()).scalar() or 0
