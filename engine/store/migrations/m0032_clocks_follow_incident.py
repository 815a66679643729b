"""A member's clock follows its incident's clock: `clock_record.follows` names the incident's clock (its
first member's clock of the same kind) whose due time, pause and breach the member's clock takes, while
the member's own ladder rests. The partial index finds the followers of a clock when it changes."""

from ..models import ClockRecord
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, ClockRecord, "follows")
    db.execute_sql("CREATE INDEX IF NOT EXISTS clock_record_follows ON clock_record (follows) "
                   "WHERE follows IS NOT NULL")
