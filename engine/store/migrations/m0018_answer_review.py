"""Answers checked by the centre: an appeal may be on control, and every official's answer is a row of
its own (a draft under review, returned with remarks, or published)."""

from .. import models
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, models.AppealRecord, "on_control")
    db.create_tables([models.AnswerRecord], safe=True)
