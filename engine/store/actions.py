"""Queries the staff actions need beyond engine.store.appeals and engine.store.clocks."""

from __future__ import annotations

from .models import DecisionRecord


def decisions_of(appeal_id: int) -> list[DecisionRecord]:
    """Every routing decision of an appeal, the first one first (re-routing adds more)."""
    return list(DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).order_by(DecisionRecord.id))
