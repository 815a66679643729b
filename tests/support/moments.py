"""Time in tests: moments written with the weekday name first (so a table row cannot lie about it), and
the clock a test moves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL = "Asia/Barnaul"

_STAMP = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?(?: (\S+))?$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def at(text: str) -> datetime:
    """``"Thu 2026-04-30 17:30"`` as an aware datetime: Barnaul time, unless a zone (``UTC``,
    ``Asia/Omsk``) or an offset (``+0700``) follows. The weekday name must match the date;
    ``24:00`` is the end of the named day."""
    match = _STAMP.match(text)
    assert match, f"bad timestamp literal {text!r}"
    weekday, day, hours, minutes, seconds, zone = match.groups()
    d = date.fromisoformat(day)
    assert d.strftime("%a") == weekday, f"{text!r}: {day} is a {d.strftime('%a')}, not a {weekday}"
    offset = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return datetime.combine(d, datetime.min.time(), tzinfo=_zone(zone or LOCAL)) + offset


def _zone(name: str):
    if name == "UTC":
        return UTC
    fixed = _OFFSET.match(name)
    if fixed:
        sign, hours, minutes = fixed.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    return ZoneInfo(name)


class MovableClock:
    """The time as tests want it; services read it through the runtime."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment.astimezone(UTC)
