"""The production calendar cannot run out: what /healthz, /metrics and the administrator are told when
next year's calendar is missing, and the automatic, audited recompute of provisional deadlines once
the official year is loaded (a published rules version carrying rules/calendar/ru-<year>.yaml).

Beyond the data, deadlines are counted on the provisional calendar (engine/domain/calendar.py) and
the clock keeps the years it was provisional for; nothing ever waits for a calendar.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.calendar import missing_next_year
from engine.store import clocks as clock_store
from engine.store.db import write_transaction
from engine.wording.alerts import calendar_missing_alert

from .delivery import ADMIN_ROLE
from .notify import enqueue_for, local_day
from .recompute import recompute

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

CALENDAR_LEVEL = "calendar"  # the outbox level of the administrator's alert about a missing calendar


def missing_year(rt: Runtime, now: datetime) -> int | None:
    """The year whose official calendar is due and missing on the region's local date, else None."""
    return missing_next_year(rt.policy_set.production, local_day(rt, now), rt.settings.calendar_warn_from)


def calendar_warning(year: int | None) -> str | None:
    if year is None:
        return None
    return (f"нет производственного календаря на {year} год: сроки в {year} году считаются предварительно "
            f"(выходные и праздники ст. 112 ТК РФ без переносов); подготовьте файл командой "
            f"`appeals calendar draft {year}`, сверьте с постановлением Правительства и опубликуйте")


def recompute_provisional(rt: Runtime) -> int:
    """Recompute, audited, the open clocks counted provisionally for a year the calendar now has;
    returns how many appeals were recomputed. Cheap when there are none (a partial index)."""
    years = sorted(rt.policy_set.production.years)
    appeals = clock_store.provisional_appeals(years)
    for appeal_id, covered in appeals.items():
        named = ", ".join(str(y) for y in covered)
        recompute(rt, actor="system", appeal_id=appeal_id,
                  reason=f"загружен производственный календарь на {named} год: предварительный срок пересчитан")
    if appeals:
        log.info("provisional deadlines recomputed for %s appeals", len(appeals))
    return len(appeals)


def alert_missing_calendar(rt: Runtime, now: datetime) -> int:
    """Once a day (per local date), each administrator is told which year's calendar is missing."""
    year = missing_year(rt, now)
    if year is None:
        return 0
    admins = rt.policy_set.directory.holders(ADMIN_ROLE)
    if not admins:
        log.warning("the production calendar for %s is missing and the directory names no %s", year, ADMIN_ROLE)
        return 0
    day = local_day(rt, now)
    subject, body = calendar_missing_alert(year, calendar_warning(year))
    written = 0
    with write_transaction():
        for admin in admins:
            written += enqueue_for(rt, admin, key=f"calendar-missing:{year}:{day.isoformat()}:to:{admin.id}",
                                   now=now, not_before=now, level=CALENDAR_LEVEL, role=ADMIN_ROLE,
                                   subject=subject, body=body)
    return written


def watch_calendar(rt: Runtime) -> dict:
    """The worker's calendar job: recompute what became official, tell the administrator what is missing."""
    now = rt.now()
    return {"recomputed": recompute_provisional(rt), "alerts": alert_missing_calendar(rt, now)}
