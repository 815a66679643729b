"""Clocks keep their term as started (amount, non-working-day rule, extension limit), the extension
granted and the pause credit; an index on the due time."""

from .. import models
from . import add_column_if_missing

COLUMNS = ("amount", "on_non_working", "max_extension_days", "extension_days", "pause_credit")


def apply(db) -> None:
    real = getattr(db, "obj", None) or db  # the helper picks its migrator by class name: give it the real database
    for name in COLUMNS:
        add_column_if_missing(real, models.ClockRecord, name)
    models.ClockRecord._schema.create_indexes(safe=True)
