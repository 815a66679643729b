"""Index appeals by body, by author and by topic and place only where those are set.

A webhook stores an appeal before it has a body or a topic, and most channels give no author id:
full indexes took an entry for each such NULL, three more B-trees written by every received appeal.
Every query on these columns compares them with a value, which the partial indexes answer."""

PARTIAL = {
    "appeal_record_body": ("(body)", "body IS NOT NULL"),
    "appeal_record_author_received": ("(author_id, received_at)", "author_id IS NOT NULL"),
    "appeal_record_topic_place_received": ("(topic, municipality, received_at)", "topic IS NOT NULL"),
}


def apply(db) -> None:
    for name, (columns, where) in PARTIAL.items():
        db.execute_sql(f"DROP INDEX IF EXISTS {name}")
        db.execute_sql(f"CREATE INDEX {name} ON appeal_record {columns} WHERE {where}")
