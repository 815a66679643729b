"""Index appeals by the time they were received: the centre's picture of the region (trends per week,
repeated addresses, the map) reads a period of appeals by that column, and without an index each
week of a year's chart was a scan of the whole table."""


def apply(db) -> None:
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_received_at ON appeal_record (received_at)")
