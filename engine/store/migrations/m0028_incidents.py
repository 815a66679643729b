"""Mass incidents: appeals about one problem in one place and window join an IncidentRecord.

Each appeal records its incident and the place it was grouped by ("<municipality>|<street>"). A new
appeal's candidates are found through indexes — incidents by topic and place or municipality and
their last report, lone appeals by place, topic and time received — never by a scan of open appeals.
Both appeal indexes are partial: most appeals name no street and join no incident."""

from ..models import AppealRecord, IncidentRecord
from . import add_column_if_missing


def apply(db) -> None:
    db.create_tables([IncidentRecord], safe=True)
    add_column_if_missing(db, AppealRecord, "incident_id")
    add_column_if_missing(db, AppealRecord, "place_key")
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_incident ON appeal_record (incident_id) "
                   "WHERE incident_id IS NOT NULL")
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_place_topic_received ON appeal_record "
                   "(place_key, topic, received_at) WHERE place_key IS NOT NULL")
