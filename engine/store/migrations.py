"""Numbered schema migrations; applying them twice changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from . import models
from .db import database, write_transaction

log = logging.getLogger(__name__)


def _initial_schema(db) -> None:
    db.create_tables(
        [
            models.ChannelRecord,
            models.TokenRecord,
            models.AppealRecord,
            models.DecisionRecord,
            models.AssignmentRecord,
            models.ClockRecord,
            models.EscalationRecord,
            models.AlertRecord,
            models.AuditRecord,
        ],
        safe=True,
    )


MIGRATIONS: list[tuple[int, str, Callable]] = [
    (1, "initial schema", _initial_schema),
]


def migrate(now: datetime) -> list[int]:
    """Apply every migration not yet recorded; return the numbers applied."""
    database.create_tables([models.MigrationRecord], safe=True)
    applied = {m.number for m in models.MigrationRecord.select()}
    done = []
    for number, name, apply in MIGRATIONS:
        if number in applied:
            continue
        with write_transaction():
            apply(database)
            models.MigrationRecord.create(number=number, name=name, applied_at=now)
        log.info("applied migration %s (%s)", number, name)
        done.append(number)
    return done
