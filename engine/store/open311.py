"""Queries behind Open311's list of service requests: appeals of the given channels, filtered, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from engine.domain.vocabulary import FINISHED_STATUSES

from .models import AppealRecord, ClockRecord


def list_requests(*, channels: Iterable[str], ids: list[int] | None, categories: list[str] | None,
                  start: datetime | None, end: datetime | None, closed: bool | None,
                  limit: int) -> list[AppealRecord]:
    """`closed`: True only finished appeals, False only the others, None both."""
    channels = list(channels)
    if not channels:
        return []
    query = AppealRecord.select().where(AppealRecord.channel.in_(channels))
    if ids is not None:
        query = query.where(AppealRecord.id.in_(ids))
    if categories:
        query = query.where(AppealRecord.category.in_(categories))
    if start is not None:
        query = query.where(AppealRecord.received_at >= start)
    if end is not None:
        query = query.where(AppealRecord.received_at <= end)
    if closed is True:
        query = query.where(AppealRecord.status.in_(FINISHED_STATUSES))
    elif closed is False:
        query = query.where(AppealRecord.status.not_in(FINISHED_STATUSES))
    return list(query.order_by(AppealRecord.received_at.desc(), AppealRecord.id.desc()).limit(limit))


def clocks_by_appeal(appeal_ids: list[int]) -> dict[int, list[ClockRecord]]:
    """The clocks of many appeals in one query, each appeal's in creation order."""
    found: dict[int, list[ClockRecord]] = {i: [] for i in appeal_ids}
    if appeal_ids:
        for clock in ClockRecord.select().where(ClockRecord.appeal.in_(appeal_ids)).order_by(ClockRecord.id):
            found[clock.appeal_id].append(clock)
    return found
