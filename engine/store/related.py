"""Appeals related to one: the same author on the same topic (repeats), the same topic and place (clusters).

Both lookups run for nearly every appeal routed, so their SQL is written once here rather than
built by peewee each time, and their rows come back as plain tuples.
"""

from __future__ import annotations

from datetime import datetime

from engine.classify import Neighbour

from .db import database
from .models import AppealRecord

LIMIT = 500

_TABLE = AppealRecord._meta.table_name
_SAME_AUTHOR = (
    f'SELECT "id", "received_at" FROM "{_TABLE}" WHERE "author_id" = ? AND "topic" = ? AND "received_at" >= ?'
    ' AND "received_at" <= ? AND "id" <> ? ORDER BY "received_at", "id" LIMIT ?')
_PLACE = (
    f'SELECT DISTINCT COALESCE("author_id", \'appeal:\' || CAST("id" AS TEXT)) FROM "{_TABLE}"'
    ' WHERE "topic" = ? AND "municipality" = ? AND "received_at" >= ? AND "received_at" <= ? AND "id" <> ?')
_OTHER_AUTHOR = ' AND ("author_id" IS NULL OR "author_id" <> ?)'


def _sql(text: str) -> str:
    return text.replace("?", database.obj.param) if database.obj.param != "?" else text


def _at(moment: datetime):
    return AppealRecord.received_at.db_value(moment)


def same_author(appeal_id: int, author_id: str, topic: str, since: datetime,
                until: datetime) -> tuple[int, Neighbour | None]:
    """Routed appeals of the author on the topic received in [since, until], other than this one:
    how many (at most LIMIT) and the earliest of them."""
    rows = database.execute_sql(_sql(_SAME_AUTHOR), (author_id, topic, _at(since), _at(until), appeal_id,
                                                     LIMIT)).fetchall()
    if not rows:
        return 0, None
    first_id, first_at = rows[0]
    return len(rows), Neighbour(first_id, author_id, AppealRecord.received_at.python_value(first_at))


def authors_in_place(appeal_id: int, topic: str, municipality: str, since: datetime, until: datetime,
                     *, enough: int, author_id: str | None = None) -> list[str]:
    """Distinct authors (an appeal without one counts as its own author) of appeals on the topic in the
    municipality received in [since, until], other than this one and than its author `author_id`; at
    most `enough` of them (so the count does not depend on which ones the database finds first)."""
    sql, params = _PLACE, [topic, municipality, _at(since), _at(until), appeal_id]
    if author_id is not None:
        sql, params = sql + _OTHER_AUTHOR, [*params, author_id]
    rows = database.execute_sql(_sql(sql + " LIMIT ?"), (*params, enough)).fetchall()
    return [r[0] for r in rows]
