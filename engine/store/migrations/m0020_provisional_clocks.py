"""Clocks counted on the provisional calendar: ``provisional_years`` names the years of the term the
production calendar had no data for ("2028"), so the page, the API and the automatic recompute
(once the official year is loaded) know which deadlines are provisional. Clocks started before
could not reach such a year (routing failed instead), so existing rows stay None."""

from __future__ import annotations

from .. import models
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, models.ClockRecord, "provisional_years")
    db.execute_sql("CREATE INDEX IF NOT EXISTS clock_record_provisional ON clock_record (id) "
                   "WHERE provisional_years IS NOT NULL AND stopped_at IS NULL")
