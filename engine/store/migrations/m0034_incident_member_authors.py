"""An incident's members by author: a joining appeal's author is looked up among the members through this
index (engine.store.incidents.count_joined), so an incident's counts are kept as appeals join instead of
recounted over every member. It replaces the index on incident_id alone, which it begins with."""


def apply(db) -> None:
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_incident_author ON appeal_record (incident_id, author_id) "
                   "WHERE incident_id IS NOT NULL")
    db.execute_sql("DROP INDEX IF EXISTS appeal_record_incident")
