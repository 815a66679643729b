"""Saved searches of the staff's appeal list, one set per staff member (SavedFilterRecord)."""

from .. import models


def apply(db) -> None:
    db.create_tables([models.SavedFilterRecord], safe=True)
