"""A body's working hours and its business calendar: the production calendar, those hours and the zone the
body counts in (engine.domain.calendar for the production calendar).

Everything here is pure: documents arrive as already-parsed dicts (see ``engine.policyset.calendars`` for the
disk side) and no function reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from .calendar import MINUTES_PER_DAY, ProductionCalendar, canonical_hash

# dates whose UTC windows a calendar keeps (a few years); more, and it starts again
UTC_WINDOWS_KEPT = 4096

_HOURS_KEYS = {"windows", "weekends", "shortened_by_minutes", "description"}


def _parse_clock(value: Any, where: str) -> int:
    """Clock text HH:MM (00:00..24:00) as minutes from midnight."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as a sexagesimal integer (540): accept it.
        minutes = value
    elif isinstance(value, str) and len(value.split(":")) == 2:
        hours, mins = value.split(":")
        if not (hours.isdigit() and mins.isdigit() and len(mins) == 2):
            raise ValueError(f"{where}: expected HH:MM, got {value!r}")
        if int(mins) >= 60:
            raise ValueError(f"{where}: expected HH:MM, got {value!r}")
        minutes = int(hours) * 60 + int(mins)
    else:
        raise ValueError(f"{where}: expected HH:MM, got {value!r}")
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"{where}: {value!r} is outside 00:00..24:00")
    return minutes


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class WorkingHours:
    """Daily working windows of a body, in local minutes from midnight (24:00 is 1440).

    Windows apply Monday to Friday on working days of the production calendar, or on
    every day when ``weekends`` is true. On a shortened (pre-holiday) day the last window
    ends ``shortened_by_minutes`` earlier, unless the schedule is round the clock.
    """

    windows: tuple[tuple[int, int], ...]
    weekends: bool = False
    shortened_by_minutes: int = 60

    def __post_init__(self) -> None:
        if not self.windows:
            raise ValueError("working hours need at least one window")
        previous_end = 0
        for start, end in self.windows:
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"window {format_minutes(start)}-{format_minutes(end)} is empty or out of the day")
            if start < previous_end:
                raise ValueError(f"window {format_minutes(start)}-{format_minutes(end)} overlaps or is out of order")
            previous_end = end
        if self.shortened_by_minutes < 0:
            raise ValueError("shortened_by_minutes must not be negative")

    @property
    def round_the_clock(self) -> bool:
        return self.windows == ((0, MINUTES_PER_DAY),)

    @property
    def window_times(self) -> tuple[tuple[time, time | None], ...]:
        """Windows as ``time`` pairs; an end of 24:00 is given as None (end of day)."""
        return tuple(
            (time(s // 60, s % 60), None if e == MINUTES_PER_DAY else time(e // 60, e % 60)) for s, e in self.windows
        )

    def canonical(self) -> dict:
        return {
            "windows": [[format_minutes(s), format_minutes(e)] for s, e in self.windows],
            "weekends": self.weekends,
            "shortened_by_minutes": self.shortened_by_minutes,
        }

    def windows_on(self, d: date, production: ProductionCalendar) -> tuple[tuple[int, int], ...]:
        """Working windows of local date ``d`` (empty on a day off)."""
        if not self.weekends and not production.is_working_day(d):
            return ()
        if self.round_the_clock or not production.is_shortened(d):
            return self.windows
        cut = self.windows[-1][1] - self.shortened_by_minutes
        return tuple((s, min(e, cut)) for s, e in self.windows if s < cut)

    @classmethod
    def from_document(cls, d: dict, name: str = "working_hours") -> WorkingHours:
        if not isinstance(d, dict):
            raise ValueError(f"{name}: expected a mapping")
        unknown = set(d) - _HOURS_KEYS
        if unknown:
            raise ValueError(f"{name}: unknown keys {sorted(unknown)}")
        raw = d.get("windows")
        if not isinstance(raw, list) or not raw:
            raise ValueError(f"{name}: 'windows' must be a non-empty list of [start, end]")
        windows = []
        for index, pair in enumerate(raw):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(f"{name}: windows[{index}] must be [start, end]")
            where = f"{name}: windows[{index}]"
            windows.append((_parse_clock(pair[0], where), _parse_clock(pair[1], where)))
        weekends = d.get("weekends", False)
        if not isinstance(weekends, bool):
            raise ValueError(f"{name}: 'weekends' must be true or false")
        shortened_by = d.get("shortened_by_minutes", 60)
        if not isinstance(shortened_by, int) or isinstance(shortened_by, bool):
            raise ValueError(f"{name}: 'shortened_by_minutes' must be an integer")
        try:
            return cls(windows=tuple(windows), weekends=weekends, shortened_by_minutes=shortened_by)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class BusinessCalendar:
    """The production calendar, a body's working hours and the zone it counts in."""

    production: ProductionCalendar
    hours: WorkingHours
    timezone: str
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _utc_windows: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))

    @property
    def tz(self) -> ZoneInfo:
        return self._zone

    @cached_property
    def version(self) -> str:
        return canonical_hash(
            {"production": self.production.version, "hours": self.hours.canonical(), "timezone": self.timezone}
        )

    def windows_on(self, d: date) -> tuple[tuple[int, int], ...]:
        return self.hours.windows_on(d, self.production)

    def windows_utc(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working windows of local date ``d`` as UTC instants. Remembered per date: deadlines and
        escalation ladders ask for the same few days again and again, and a calendar never changes."""
        known = self._utc_windows.get(d)
        if known is None:
            if len(self._utc_windows) >= UTC_WINDOWS_KEPT:
                self._utc_windows.clear()
            known = tuple((local_instant(d, start, self._zone), local_instant(d, end, self._zone))
                          for start, end in self.windows_on(d))
            self._utc_windows[d] = known
        return known

    def is_working_day(self, d: date) -> bool:
        """True when the body has working time on local date ``d``."""
        return bool(self.windows_on(d))

    def provisional_years(self, start: datetime, end: datetime) -> str | None:
        """The years of the term from ``start`` to ``end`` (local dates) counted on the provisional
        calendar, as text ("2028", "2027,2028"); None when the data cover it all."""
        years = self.production.provisional_years(start.astimezone(self.tz).date(), end.astimezone(self.tz).date())
        return ",".join(str(year) for year in years) or None


def local_instant(d: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock ``minutes`` after midnight of ``d`` (1440: the next midnight)."""
    day = d + timedelta(days=minutes // MINUTES_PER_DAY)
    minutes %= MINUTES_PER_DAY
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone).astimezone(UTC)
