"""A clock's term counted in its own basis: pauses, an extension, and the due time that follows.

A clock's due time is always counted from its start:

    due = start + (amount + extension_days + pause_credit) in the clock's basis

so the rule for a due day that is not a working day applies to the final day only, exactly
as a lawyer counts a prolonged term. Paused time is credited in the clock's basis:

- ``working_hours``: the working time that passed while paused (seconds);
- ``calendar_hours``: the wall time that passed while paused (seconds);
- ``calendar_days``: the calendar days the pause reached into, that is every local day after
  the day it was paused up to and including the day it was resumed; a pause that starts and
  ends on the same day credits nothing (a term in days does not count hours);
- ``working_days``: the same, counting only the body's working days.

The credit is kept as one running number per clock (no replay of the pause history).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.domain.business_calendar import BusinessCalendar
from engine.domain.businesstime import (
    add_calendar_days,
    add_working_days,
    add_working_hours,
    working_time_between,
)

DAY_BASES = ("calendar_days", "working_days")
SECOND_BASES = ("working_hours", "calendar_hours")
# Clocks that do not pause while the author is asked for a clarification: registration and
# forwarding are the body's own steps; a 59-ФЗ notice has nothing to wait for.
NOT_PAUSABLE = ("registration", "forward", "notice")
# Only a calendar-day term can be prolonged (59-ФЗ art. 12 part 2: once, by the head of the body).
EXTENDABLE_BASES = ("calendar_days",)


def pause_credit(basis: str, paused_since: datetime, resumed_at: datetime, cal: BusinessCalendar) -> int:
    """What a pause from ``paused_since`` to ``resumed_at`` adds to a clock of ``basis``.

    Days for day bases, seconds for hour bases (see the module docstring).
    """
    if resumed_at <= paused_since:
        return 0
    if basis == "calendar_hours":
        return int((resumed_at - paused_since).total_seconds())
    if basis == "working_hours":
        return int(working_time_between(paused_since, resumed_at, cal).total_seconds())
    first = paused_since.astimezone(cal.tz).date()
    last = resumed_at.astimezone(cal.tz).date()
    if basis == "calendar_days":
        return (last - first).days
    if basis == "working_days":
        days, d = 0, first
        while d < last:
            d += timedelta(days=1)
            days += cal.is_working_day(d)
        return days
    raise ValueError(f"unknown clock basis {basis!r}")


def term_provisional(basis: str, start: datetime, due: datetime, cal: BusinessCalendar) -> str | None:
    """The years of a term counted on the provisional calendar ("2028"), None when the data cover it
    (a term in calendar hours never needs a calendar)."""
    return None if basis == "calendar_hours" else cal.provisional_years(start, due)


def term_due(
    basis: str,
    amount: int,
    start: datetime,
    cal: BusinessCalendar,
    *,
    on_non_working: str = "next",
    extension_days: int = 0,
    credit: int = 0,
) -> datetime:
    """The due time (UTC) of a term of ``amount`` units started at ``start``, prolonged and credited."""
    if extension_days and basis not in EXTENDABLE_BASES:
        raise ValueError(f"a {basis} clock cannot be extended")
    if basis == "calendar_days":
        return add_calendar_days(start, amount + extension_days + credit, cal, on_non_working)
    if basis == "working_days":
        return add_working_days(start, amount + credit, cal)
    if basis == "working_hours":
        return add_working_hours(start, timedelta(hours=amount, seconds=credit), cal)
    if basis == "calendar_hours":
        if start.tzinfo is None:
            raise ValueError("start must be a timezone-aware datetime")
        return (start + timedelta(hours=amount, seconds=credit)).astimezone(UTC)
    raise ValueError(f"unknown clock basis {basis!r}")


def credit_unit(basis: str) -> str:
    return "days" if basis in DAY_BASES else "seconds"
