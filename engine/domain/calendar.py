"""Production calendar, working hours and the business calendar of one body.

Everything here is pure: documents arrive as already-parsed dicts (see
``engine.policyset.calendars`` for the disk side) and no function reads the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
SATURDAY, SUNDAY = 5, 6
# dates whose UTC windows a calendar keeps (a few years); more, and it starts again
UTC_WINDOWS_KEPT = 4096
STALENESS_MONTH = 10  # from 1 October the next year's calendar must be present

_YEAR_KEYS = {"year", "source", "days_off", "working_weekends", "shortened", "notes"}
_OVERLAY_KEYS = {"region", "source", "extra_days_off", "notes"}
_ENTRY_KEYS = {"date", "note", "source"}
_HOURS_KEYS = {"windows", "weekends", "shortened_by_minutes", "description"}


# Art. 112 of the Labour Code: the non-working holidays fixed by date. A year the data lack is counted
# on these and the weekends alone, a provisional calendar: no transfers (neither a decree's nor the
# move of a holiday that falls on a weekend) and no shortened days. A deadline counted on it is marked
# provisional and recomputed, audited, once the official year is loaded (engine/services/calendar_watch.py).
FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "Новогодние каникулы", (1, 2): "Новогодние каникулы", (1, 3): "Новогодние каникулы",
    (1, 4): "Новогодние каникулы", (1, 5): "Новогодние каникулы", (1, 6): "Новогодние каникулы",
    (1, 7): "Рождество Христово", (1, 8): "Новогодние каникулы", (2, 23): "День защитника Отечества",
    (3, 8): "Международный женский день", (5, 1): "Праздник Весны и Труда", (5, 9): "День Победы",
    (6, 12): "День России", (11, 4): "День народного единства",
}


class CalendarNotAvailable(Exception):
    """A year that no calendar, not even the provisional one, can count (outside 1..9999)."""

    def __init__(self, year: int):
        super().__init__(f"production calendar has no data for year {year}")
        self.year = year


def canonical_hash(content: Any) -> str:
    """Short sha256 of the canonical JSON form of ``content`` (dates as ISO strings)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{where}: expected a date, got a date-time {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date YYYY-MM-DD, got {value!r}")


def _entry_dates(entries: Any, where: str) -> list[date]:
    """Dates of a list whose items are plain dates or ``{date, note, source}`` mappings."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError(f"{where}: expected a list, got {type(entries).__name__}")
    dates = []
    for index, entry in enumerate(entries):
        item_where = f"{where}[{index}]"
        if isinstance(entry, dict):
            unknown = set(entry) - _ENTRY_KEYS
            if unknown:
                raise ValueError(f"{item_where}: unknown keys {sorted(unknown)}")
            if "date" not in entry:
                raise ValueError(f"{item_where}: missing 'date'")
            dates.append(_as_date(entry["date"], item_where))
        else:
            dates.append(_as_date(entry, item_where))
    return dates


@dataclass(frozen=True)
class ProductionCalendar:
    """Which dates are working, which are days off and which are shortened (pre-holiday)."""

    years: frozenset[int]
    days_off: frozenset[date]
    working_weekends: frozenset[date]
    shortened: frozenset[date]
    version: str
    sources: tuple[str, ...] = ()

    def is_provisional(self, d: date) -> bool:
        """True when ``d`` lies in a year the data lack: counted on the provisional calendar."""
        return d.year not in self.years

    def provisional_years(self, first: date, last: date) -> tuple[int, ...]:
        """The years between two dates (both included) counted on the provisional calendar."""
        return tuple(year for year in range(first.year, last.year + 1) if year not in self.years)

    def is_working_day(self, d: date) -> bool:
        if d.year not in self.years:  # provisional: weekends and the fixed holidays of art. 112
            return d.weekday() not in (SATURDAY, SUNDAY) and (d.month, d.day) not in FIXED_HOLIDAYS
        if d in self.working_weekends:
            return True
        if d in self.days_off:
            return False
        return d.weekday() not in (SATURDAY, SUNDAY)

    def is_shortened(self, d: date) -> bool:
        return d in self.shortened  # a provisional year has no shortened days

    def working_days_in_year(self, year: int) -> int:
        day, count = date(year, 1, 1), 0
        while day.year == year:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    @classmethod
    def from_documents(cls, docs: list[dict]) -> ProductionCalendar:
        """Merge yearly documents (``year:``) and regional overlays (``region:``)."""
        years: set[int] = set()
        days_off: set[date] = set()
        working: set[date] = set()
        shortened: set[date] = set()
        sources: list[str] = []
        overlays = []
        for doc in docs:
            if not isinstance(doc, dict):
                raise ValueError(f"calendar document must be a mapping, got {type(doc).__name__}")
            if "region" in doc:
                overlays.append(doc)
                continue
            year = _parse_year_document(doc, years, days_off, working, shortened)
            years.add(year)
            sources.append(str(doc["source"]))
        for doc in overlays:
            unknown = set(doc) - _OVERLAY_KEYS
            if unknown:
                raise ValueError(f"calendar overlay {doc['region']!r}: unknown keys {sorted(unknown)}")
            extra = _entry_dates(doc.get("extra_days_off"), f"calendar overlay {doc['region']!r}: extra_days_off")
            for d in extra:
                working.discard(d)
                shortened.discard(d)
            days_off.update(extra)
            if doc.get("source"):
                sources.append(str(doc["source"]))
        canonical = sorted(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str) for doc in docs)
        return cls(
            years=frozenset(years),
            days_off=frozenset(days_off),
            working_weekends=frozenset(working),
            shortened=frozenset(shortened),
            version=canonical_hash(canonical),
            sources=tuple(sources),
        )


def _parse_year_document(doc: dict, years: set[int], days_off: set, working: set, shortened: set) -> int:
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError(f"calendar document: 'year' must be an integer, got {year!r}")
    where = f"calendar {year}"
    unknown = set(doc) - _YEAR_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if year in years:
        raise ValueError(f"{where}: year defined twice")
    if not doc.get("source"):
        raise ValueError(f"{where}: 'source' (the decree) is required")
    off = _entry_dates(doc.get("days_off"), f"{where}: days_off")
    work = _entry_dates(doc.get("working_weekends"), f"{where}: working_weekends")
    short = _entry_dates(doc.get("shortened"), f"{where}: shortened")
    for field_name, dates in (("days_off", off), ("working_weekends", work), ("shortened", short)):
        for d in dates:
            if d.year != year:
                raise ValueError(f"{where}: {field_name} has {d} from another year")
    for d in work:
        if d.weekday() not in (SATURDAY, SUNDAY):
            raise ValueError(f"{where}: working_weekends has {d}, which is not a Saturday or Sunday")
        if d in off:
            raise ValueError(f"{where}: {d} is both a day off and a working weekend day")
    for d in short:
        if d in off or (d.weekday() in (SATURDAY, SUNDAY) and d not in work):
            raise ValueError(f"{where}: shortened day {d} is not a working day")
    days_off.update(off)
    working.update(work)
    shortened.update(short)
    return year


def missing_next_year(calendar: ProductionCalendar, today: date,
                      warn_from: tuple[int, int] = (STALENESS_MONTH, 1)) -> int | None:
    """The year whose data is overdue on ``today``, or None when the calendar is fresh.

    The current year must always be present; from ``warn_from`` (month, day; 1 October by default)
    the next one must be too (the government publishes the transfers for the next year in the autumn).
    """
    if today.year not in calendar.years:
        return today.year
    if today >= date(today.year, *warn_from) and today.year + 1 not in calendar.years:
        return today.year + 1
    return None


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
