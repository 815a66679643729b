"""Channel event de-duplication, appeal revisions from channels, and appeal author/link/repeat columns."""

from .. import models
from ..channel_events import TABLES
from . import add_column_if_missing


def apply(db) -> None:
    for column in ("author_id", "link", "repeat_of"):
        add_column_if_missing(db, models.AppealRecord, column)
    db.create_tables(list(TABLES), safe=True)
    # repeats look up an author's recent appeals, clusters a topic's recent appeals in one place
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_author_received "
                   "ON appeal_record (author_id, received_at)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_topic_place_received "
                   "ON appeal_record (topic, municipality, received_at)")
