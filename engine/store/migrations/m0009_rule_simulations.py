"""Backtests of draft rules asked for over HTTP and run by the worker, with their progress and report."""

from .. import models


def apply(db) -> None:
    db.create_tables([models.SimulationRecord], safe=True)
