"""Index the three queues (appeals waiting to be routed, alerts and replies waiting to be sent) by status
and id instead of status alone.

Each is read as «the waiting rows, oldest first, a page at a time». With the status alone PostgreSQL
found every waiting row, then sorted them to keep a page: while a backlog of replies built up, each page
of the sender read the whole backlog (two thousand rows a page in a burst), and a claim of one row by id
could take the status index too when the table had no statistics yet. With (status, id) the page is read
in order and stops at its limit, and a row looked up by id and status is found by both. SQLite keeps the
rowid in every index, so its status index was already in id order; it gets the same index, for one schema."""

QUEUES = ("appeal_record", "alert_record", "author_message_record")


def apply(db) -> None:
    for table in QUEUES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {table}_status_id ON {table} (status, id)")
        db.execute_sql(f"DROP INDEX IF EXISTS {table}_status")
