"""Clocks that start at the interim answer: what a pending clock waits for, and the hard cap from
receipt that its due time never passes."""

from .. import models
from . import add_column_if_missing

COLUMNS = ("waits_for", "cap_at")


def apply(db) -> None:
    real = getattr(db, "obj", None) or db
    for name in COLUMNS:
        add_column_if_missing(real, models.ClockRecord, name)
