"""Full-text search over appeals: their text, address and author, in Russian.

PostgreSQL keeps a stored generated ``tsvector`` column ``appeal_record.search`` built with the
``russian`` text search configuration (its Snowball stemmer makes «ямы» and «яма» one term) and a
GIN index on it; the database keeps it up to date on every insert, so nothing else writes it. A
search passes each word's normal forms through the same configuration (engine.store.search).

SQLite has no Russian stemmer: an FTS5 table ``appeal_search`` (rowid = the appeal's id) holds the
lemmas engine.classify.text computes (every normal form of every word, ё→е), written when the
appeal is routed (engine.store.search.index_appeal). The appeals already stored are indexed here.
"""

from __future__ import annotations

from ..db import is_postgres
from ..models import AppealRecord
from ..search import SQLITE_TABLE, TSVECTOR_SOURCE, index_appeal

PAGE = 500


def apply(db) -> None:
    if is_postgres():
        db.execute_sql("ALTER TABLE appeal_record ADD COLUMN IF NOT EXISTS search tsvector "
                       f"GENERATED ALWAYS AS ({TSVECTOR_SOURCE}) STORED")
        db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_search ON appeal_record USING GIN (search)")
        return
    db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} "
                   "USING fts5(lemmas, tokenize='unicode61 remove_diacritics 0')")
    from engine.classify.search_terms import document_terms  # lemmatising is the classifier's job

    last = 0
    while True:
        rows = list(AppealRecord.select(AppealRecord.id, AppealRecord.text, AppealRecord.address,
                                        AppealRecord.author_name)
                    .where(AppealRecord.id > last).order_by(AppealRecord.id).limit(PAGE))
        if not rows:
            return
        for row in rows:
            index_appeal(row.id, document_terms(row.text, row.address, row.author_name))
        last = rows[-1].id
