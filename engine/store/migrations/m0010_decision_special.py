"""A decision records its 59-ФЗ special outcome (it changes the clocks) and how the appeal's text
was read, so a backtest can tell whether the active rules would decide the same today."""

from .. import models
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, models.DecisionRecord, "fz59_special")
    add_column_if_missing(db, models.DecisionRecord, "reading_version")
