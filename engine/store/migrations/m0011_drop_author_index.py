"""Drop the index on appeal_record.author_id alone: the (author_id, received_at) index of m0005 serves
every lookup by author, and each index is one more B-tree every received appeal writes."""


def apply(db) -> None:
    db.execute_sql("DROP INDEX IF EXISTS appeal_record_author_id")
