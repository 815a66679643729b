"""Business-time arithmetic: calendar days, working days and working hours.

All functions take timezone-aware datetimes and return timezone-aware datetimes in UTC.
Counting happens on the body's local dates and working windows; nothing here reads the
current time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engine.domain.business_calendar import BusinessCalendar

ON_NON_WORKING = ("next", "previous", "unchanged")
SHARE_BASES = ("calendar_days", "calendar_hours", "working_days", "working_hours")
END_OF_DAY = time(23, 59, 59)
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _local_date(moment: datetime, cal: BusinessCalendar) -> date:
    return moment.astimezone(cal.tz).date()


def end_of_local_day(d: date, cal: BusinessCalendar) -> datetime:
    """23:59:59 local on ``d``, in UTC."""
    return datetime.combine(d, END_OF_DAY, tzinfo=cal.tz).astimezone(UTC)


def end_of_working_day(d: date, cal: BusinessCalendar) -> datetime:
    """End of the last working window of ``d`` (which must be a working day), in UTC."""
    windows = cal.windows_utc(d)
    if not windows:
        raise ValueError(f"{d} is not a working day")
    return windows[-1][1]


def shift_to_working_day(d: date, cal: BusinessCalendar, on_non_working: str) -> date:
    """Move a due date off a non-working day of the production calendar."""
    if on_non_working not in ON_NON_WORKING:
        raise ValueError(f"on_non_working must be one of {ON_NON_WORKING}, got {on_non_working!r}")
    if on_non_working == "unchanged":
        return d
    step = ONE_DAY if on_non_working == "next" else -ONE_DAY
    while not cal.production.is_working_day(d):
        d += step
    return d


def add_calendar_days(start: datetime, days: int, cal: BusinessCalendar, on_non_working: str = "next") -> datetime:
    """The term of ``days`` calendar days ends at 23:59:59 local of (start's local date + days).

    A due date on a non-working day of the production calendar moves to the next or the
    previous working day, or stays, according to ``on_non_working``.
    """
    _require_aware(start, "start")
    if days < 0:
        raise ValueError("days must not be negative")
    due = shift_to_working_day(_local_date(start, cal) + timedelta(days=days), cal, on_non_working)
    return end_of_local_day(due, cal)


def add_working_days(start: datetime, days: int, cal: BusinessCalendar) -> datetime:
    """End of working time of the ``days``-th working day after the start's local date.

    A working day is one with working windows for the body (Monday to Friday working days,
    or every day for a schedule that works weekends). With ``days == 0`` the answer is the
    end of the first working day on or after the start's local date.
    """
    _require_aware(start, "start")
    if days < 0:
        raise ValueError("days must not be negative")
    d = _local_date(start, cal)
    if days == 0:
        while not cal.is_working_day(d):
            d += ONE_DAY
        return end_of_working_day(d, cal)
    remaining = days
    while remaining:
        d += ONE_DAY
        if cal.is_working_day(d):
            remaining -= 1
    return end_of_working_day(d, cal)


def add_working_hours(start: datetime, duration: timedelta, cal: BusinessCalendar) -> datetime:
    """The moment when ``duration`` of working time has passed since ``start``.

    Only working windows count (lunch breaks and days off do not; shortened days are
    shorter). The result always lies inside working time: when the duration runs out
    exactly at a window's end, that end is returned.
    """
    _require_aware(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative")
    cursor = start.astimezone(UTC)
    remaining = duration
    d = _local_date(start, cal)
    while True:
        for window_start, window_end in cal.windows_utc(d):
            if window_end < cursor:
                continue
            segment_start = max(window_start, cursor)
            available = window_end - segment_start
            if remaining <= available:
                return segment_start + remaining
            remaining -= available
        d += ONE_DAY


def working_time_between(a: datetime, b: datetime, cal: BusinessCalendar) -> timedelta:
    """Working time inside [a, b); zero when b <= a."""
    _require_aware(a, "a")
    _require_aware(b, "b")
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    if b <= a:
        return ZERO
    total = ZERO
    d, last = _local_date(a, cal), _local_date(b, cal)
    while d <= last:
        for window_start, window_end in cal.windows_utc(d):
            overlap = min(window_end, b) - max(window_start, a)
            if overlap > ZERO:
                total += overlap
        d += ONE_DAY
    return total


def is_working_time(moment: datetime, cal: BusinessCalendar) -> bool:
    """True when ``moment`` lies inside a working window (its ends included)."""
    _require_aware(moment, "moment")
    moment = moment.astimezone(UTC)
    local = moment.astimezone(cal.tz)
    days = [local.date()]
    if local.time() == time(0, 0):
        days.append(local.date() - ONE_DAY)  # a window ending at 24:00 closes at this midnight
    for day in days:
        for window_start, window_end in cal.windows_utc(day):
            if window_start <= moment <= window_end:
                return True
    return False


def elapsed_share(started: datetime, due: datetime, now: datetime, cal: BusinessCalendar, basis: str) -> float:
    """How much of the term [started, due] has passed at ``now`` (0.0 up, may exceed 1.0).

    Calendar bases measure wall time; working bases measure working time, so a night or
    a weekend does not eat into a working-hours term.
    """
    if basis not in SHARE_BASES:
        raise ValueError(f"basis must be one of {SHARE_BASES}, got {basis!r}")
    for value, name in ((started, "started"), (due, "due"), (now, "now")):
        _require_aware(value, name)
    if basis in ("calendar_days", "calendar_hours"):
        total, spent = due - started, now - started
    else:
        total = working_time_between(started, due, cal)
        spent = working_time_between(started, now, cal)
    if total <= ZERO:
        return 1.0 if now >= due else 0.0
    return max(0.0, spent / total)
