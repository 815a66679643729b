"""Routing a batch of appeals: claiming them, and writing what was decided for all of them at once.

A batch's rows go in with multi-row INSERTs (decisions, assignments, clocks, escalation states,
audit lines) and one UPDATE of the appeals, so a routed appeal costs a few rows of a few statements
instead of a dozen statements of its own.
"""

from __future__ import annotations

from datetime import datetime

from . import shapes
from .db import database, is_postgres
from .models import AppealRecord, AssignmentRecord, AuditRecord, ClockRecord, DecisionRecord, EscalationRecord
from .statements import insert_values, prepared_insert

# the appeal's columns routing sets; the same for every appeal of a batch but these
ROUTED_COLUMNS = ("body", "role", "topic", "priority", "policy", "municipality", "repeat_of", "on_control",
                  "sector")


def claim(now: datetime, limit: int, *, lease_until: datetime) -> list[int]:
    """Ids of appeals due for routing, in the order they came. On PostgreSQL, inside the caller's short
    transaction, they are taken with FOR UPDATE SKIP LOCKED (a second worker takes the next ones)
    and leased: their turn moves to `lease_until`, so no other worker takes them while this one
    decides (without holding their row locks, which a webhook continuing an appeal may need); a
    worker that dies leaves them to be taken again after the lease. An appeal is left out while an
    earlier one of its author waits outside the batch (in another worker's lease), so that each
    author's appeals are routed in the order they came. On SQLite one worker routes at a time
    (engine.store.worker_lock) and nothing is leased."""
    due = (AppealRecord.status == "received") & (AppealRecord.next_routing_at <= now)
    # in the order they came: an appeal whose lease ran out comes before its author's later ones, which
    # it holds back (ordered by turn, the held-back ones could fill every batch ahead of it)
    query = (AppealRecord.select(AppealRecord.id, AppealRecord.author_id).where(due)
             .order_by(AppealRecord.id).limit(limit))
    if not is_postgres():
        return [r.id for r in query]
    rows = list(query.for_update(skip_locked=True))
    ids = [r.id for r in rows]
    if any(r.author_id is not None for r in rows):
        earlier = AppealRecord.alias()
        waiting = (
            AppealRecord.select(AppealRecord.id)
            .join(earlier, on=(earlier.author_id == AppealRecord.author_id))
            .where(AppealRecord.id.in_(ids) & (earlier.status == "received") & (earlier.id < AppealRecord.id)
                   & ((earlier.next_routing_at <= now) | (earlier.routing_attempts == 0))  # due, or leased
                   & earlier.id.not_in(ids))
        )
        blocked = {r.id for r in waiting}
        ids = [i for i in ids if i not in blocked]
    if ids:
        AppealRecord.update(next_routing_at=lease_until).where(AppealRecord.id.in_(ids)).execute()
    return ids


def appeals(ids: list[int]) -> dict[int, AppealRecord]:
    """The appeals with these ids, by id (one query, its SQL built once for each length of a batch)."""
    if not ids:
        return {}
    return {r.id: r for r in shapes.rows("routing-appeals", AppealRecord, lambda p: AppealRecord.select().where(
        AppealRecord.id.in_(p.ids)), ids=list(ids))}


def unchanged(seen: dict[int, datetime]) -> set[int]:
    """Of the appeals read at `seen` (id → updated_at), those still waiting for routing and not
    changed since; inside the caller's write transaction (on PostgreSQL locked)."""
    if not seen:
        return set()

    def build(p):
        query = AppealRecord.select(AppealRecord.id, AppealRecord.updated_at).where(
            AppealRecord.id.in_(p.ids) & (AppealRecord.status == p.received))
        return query.for_update() if is_postgres() else query  # the shape is kept per kind of database

    rows = shapes.tuples("routing-unchanged", build, ids=list(seen), received="received")
    return {appeal_id for appeal_id, updated_at in rows if updated_at == seen[appeal_id]}


def prepare(*, decisions: list[dict], assignments: list[dict], clocks: list[dict], audits: list[dict]):
    """The batch's rows with their SQL built and values converted (explanations JSON-encoded),
    before the write transaction: what `write` runs inside it."""
    return (prepared_insert(DecisionRecord, decisions), prepared_insert(AssignmentRecord, assignments),
            prepared_insert(ClockRecord, clocks, returning=("id", "appeal", "kind")),
            prepared_insert(AuditRecord, audits))


def write(prepared, *, ladders: dict[tuple, tuple], appeals_routed: list[dict],
          now: datetime) -> dict[tuple[int, str], int]:
    """Write a routed batch inside the caller's transaction: what `prepare` made of its rows (the
    clocks carry `appeal` and `kind`); `ladders` gives (ladder id, first check) by (appeal id, clock
    kind) for the clocks that get one; `appeals_routed`: per appeal its id and ROUTED_COLUMNS.
    Returns the new clock ids by (appeal, kind)."""
    decisions, assignments, clocks, audits = prepared
    ids = [row["id"] for row in appeals_routed]
    shapes.execute("routing-end-assignments", lambda p: AssignmentRecord.update(ended_at=p.now).where(
        AssignmentRecord.appeal.in_(p.ids) & AssignmentRecord.ended_at.is_null()),
        fields={"now": AssignmentRecord.ended_at}, ids=ids, now=now)
    decisions()
    assignments()
    clock_ids = {(appeal, kind): cid for cid, appeal, kind in clocks()}
    insert_values(EscalationRecord, [
        {"clock": clock_ids[key], "ladder_id": ladder_id, "next_level": 0, "next_check_at": first,
         "updated_at": now} for key, (ladder_id, first) in ladders.items()])
    _mark_routed(appeals_routed, now)
    audits()
    return clock_ids


def _mark_routed(rows: list[dict], now: datetime) -> None:
    fields = AppealRecord._meta.fields
    table = AppealRecord._meta.table_name
    fixed = {"status": "routed", "registered_at": now, "updated_at": now, "next_routing_at": None,
             "last_error": None}
    fixed_sql = ", ".join(f'"{fields[name].column_name}" = %s' for name in fixed)
    fixed_params = [fields[name].db_value(value) for name, value in fixed.items()]
    if is_postgres():  # one statement: UPDATE … FROM (VALUES …)
        casts = {"repeat_of": "integer", "on_control": "boolean"}
        group = "(%s::integer, " + ", ".join(f"%s::{casts.get(n, 'text')}" for n in ROUTED_COLUMNS) + ")"
        names = ", ".join(f'"{fields[n].column_name}"' for n in ("id", *ROUTED_COLUMNS))
        sets = ", ".join(f'"{fields[n].column_name}" = v."{fields[n].column_name}"' for n in ROUTED_COLUMNS)
        params = list(fixed_params)
        for row in rows:
            params += [row["id"], *(fields[n].db_value(row[n]) for n in ROUTED_COLUMNS)]
        database.execute_sql(
            f'UPDATE "{table}" AS a SET {fixed_sql}, {sets} FROM (VALUES {", ".join([group] * len(rows))}) '
            f'AS v({names}) WHERE a."id" = v."id"', params)
        return
    sets = ", ".join(f'"{fields[n].column_name}" = ?' for n in ROUTED_COLUMNS)
    sql = f'UPDATE "{table}" SET {fixed_sql.replace("%s", "?")}, {sets} WHERE "id" = ?'
    database.cursor().executemany(sql, [
        [*fixed_params, *(fields[n].db_value(row[n]) for n in ROUTED_COLUMNS), row["id"]] for row in rows])
