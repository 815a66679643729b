"""The production calendar: working days, days off and shortened days by year (a body's working hours and
its business calendar are engine.domain.business_calendar).

Everything here is pure: documents arrive as already-parsed dicts (see
``engine.policyset.calendars`` for the disk side) and no function reads the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

MINUTES_PER_DAY = 24 * 60
SATURDAY, SUNDAY = 5, 6
STALENESS_MONTH = 10  # from 1 October the next year's calendar must be present

_YEAR_KEYS = {"year", "source", "days_off", "working_weekends", "shortened", "notes"}
_OVERLAY_KEYS = {"region", "source", "extra_days_off", "notes"}
_ENTRY_KEYS = {"date", "note", "source"}


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
