"""Each routed appeal records the centre's sector block it belongs to (from its topic, its body or a
rule), so a sector head sees a city administration's heating outage as a housing appeal.

Appeals routed before keep NULL: their sector head is still found through the body's sector, as
before. The index is partial, like the body's (m0012): unrouted appeals have no sector."""

from ..models import AppealRecord
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, AppealRecord, "sector")
    db.execute_sql("CREATE INDEX IF NOT EXISTS appeal_record_sector ON appeal_record (sector) "
                   "WHERE sector IS NOT NULL")
