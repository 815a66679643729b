"""Full-text search over appeals (see migration m0021): a condition on AppealRecord for a search,
and the SQLite index written when an appeal is routed. Until then (SQLite only) the appeal is among
``unrouted``, whose words the search reads itself (engine.services.appeal_search): the webhook that stores an
appeal writes nothing more than the appeal, so its write turn stays as short as it was."""

from __future__ import annotations

from peewee import SQL

from engine.domain.vocabulary import RECEIVED

from .db import database, is_postgres
from .models import AppealRecord

SQLITE_TABLE = "appeal_search"
TSVECTOR_CHARS = 100_000  # of the text; a tsvector holds at most 1 MB
UNROUTED_LIMIT = 5000  # received appeals read by a search on SQLite, the newest first
TSVECTOR_SOURCE = (
    f"to_tsvector('russian', left(coalesce(text, ''), {TSVECTOR_CHARS}) || ' ' || coalesce(address, '') "
    "|| ' ' || coalesce(author_name, ''))"
)


def index_appeal(appeal_id: int, terms: list[str]) -> None:
    """Write the appeal's terms to the SQLite index (again: replaced). PostgreSQL indexes by itself."""
    index_appeals([(appeal_id, terms)])


def index_appeals(entries: list[tuple[int, list[str]]]) -> None:
    """`index_appeal` for many appeals (id, terms) at once: one DELETE, then the rows inserted by one
    prepared statement."""
    if is_postgres() or not entries:
        return
    ids = [appeal_id for appeal_id, _ in entries]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        database.execute_sql(f"DELETE FROM {SQLITE_TABLE} WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)
    database.cursor().executemany(f"INSERT INTO {SQLITE_TABLE} (rowid, lemmas) VALUES (?, ?)",
                                  [(appeal_id, " ".join(terms)) for appeal_id, terms in entries if terms])


def unrouted() -> list[tuple[int, str | None, str | None, str | None]]:
    """SQLite: the appeals stored and not routed yet, which the index does not hold yet — (id, text, address,
    author's name), the newest UNROUTED_LIMIT of them. None on PostgreSQL: its column is filled on insert."""
    if is_postgres():
        return []
    return list(AppealRecord.select(AppealRecord.id, AppealRecord.text, AppealRecord.address, AppealRecord.author_name)
                .where(AppealRecord.status == RECEIVED).order_by(AppealRecord.id.desc()).limit(UNROUTED_LIMIT)
                .tuples())


def text_matches(terms: list[list[str]]):
    """The appeals whose text, address or author's name hold every word searched for, each word given
    as a list of alternatives (its lemmas): SQLite matches them against the lemma index, PostgreSQL
    passes each through the `russian` configuration and matches the stored tsvector."""
    if not terms:
        return AppealRecord.id < 0
    if is_postgres():
        query = " & ".join("(" + " | ".join(_pg_quoted(t) for t in alternatives) + ")" for alternatives in terms)
        return AppealRecord.id.in_(SQL(
            "(SELECT id FROM appeal_record WHERE search @@ to_tsquery('russian', %s))", (query,)))
    match = " AND ".join("(" + " OR ".join(_quoted(t) for t in alternatives) + ")" for alternatives in terms)
    return AppealRecord.id.in_(SQL(f"(SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH ?)", (match,)))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _pg_quoted(term: str) -> str:
    return "'" + term.replace("\\", "").replace("'", "''") + "'"
