"""A draft of next year's production calendar for staff to check against the government decree.

Built from the Labour Code alone: the holidays of art. 112 part 1, the move of a holiday that falls on
a Saturday or Sunday to the next working day (art. 112 part 2; not for the January holidays, whose
two days are moved by the decree), and the shortened working day before a holiday (art. 95). When
the caller knows the decree's transfers (the `holidays` package does for years whose decree it has
seen), they are added with their origin named. The result is a document ProductionCalendar reads.
"""

from __future__ import annotations

from datetime import date, timedelta

from .calendar import FIXED_HOLIDAYS, SATURDAY, SUNDAY

JANUARY_BLOCK = 8  # 1-8 January: art. 112 part 2 does not move these, the decree does


def _weekend(d: date) -> bool:
    return d.weekday() in (SATURDAY, SUNDAY)


def draft_year(year: int, transfers: list[tuple[date, date]] | None = None) -> dict:
    """The calendar document of ``year``. ``transfers``: the decree's (day off, moved from) pairs,
    when known; None when nothing is known of the decree."""
    if not 1 < year < 9999:
        raise ValueError(f"year {year} is outside 2..9998")
    holidays = {date(year, m, d): name for (m, d), name in FIXED_HOLIDAYS.items()}
    days_off: dict[date, str] = {d: f"{name}{' (суббота)' if d.weekday() == SATURDAY else ''}"
                                 f"{' (воскресенье)' if d.weekday() == SUNDAY else ''}"
                                 for d, name in holidays.items()}
    working: dict[date, str] = {}
    for d, name in sorted(holidays.items()):  # art. 112 part 2: to the next working day
        if not _weekend(d) or (d.month == 1 and d.day <= JANUARY_BLOCK):
            continue
        moved = d + timedelta(days=1)
        while _weekend(moved) or moved in days_off:
            moved += timedelta(days=1)
        if moved.year == year:
            days_off[moved] = f"перенос праздника «{name}» с {d:%d.%m} (ст. 112 ТК РФ)"
    for day_off, origin in transfers or ():
        if day_off.year != year:
            continue
        days_off[day_off] = f"перенос выходного дня с {origin:%d.%m.%Y} (по постановлению; сверить)"
        if origin.year == year and _weekend(origin) and origin not in holidays:
            working[origin] = f"рабочий день: выходной перенесён на {day_off:%d.%m}"
    shortened: dict[date, str] = {}
    for d, name in sorted(holidays.items()):
        before = _shortened_before(d, holidays, days_off, working)
        if before is not None and before.year == year:
            shortened[before] = f"перед праздником «{name}»"
    return {
        "year": year,
        "source": (f"ПРОЕКТ по ст. 95 и 112 ТК РФ{' и известным переносам' if transfers else ''}: впишите номер и "
                   f"дату постановления Правительства РФ «О переносе выходных дней в {year} году» после сверки"),
        "days_off": [{"date": d, "note": note} for d, note in sorted(days_off.items())],
        "working_weekends": [{"date": d, "note": note} for d, note in sorted(working.items())],
        "shortened": [{"date": d, "note": note} for d, note in sorted(shortened.items())],
    }


def _shortened_before(holiday: date, holidays: dict, days_off: dict, working: dict) -> date | None:
    """Art. 95: the working day right before a holiday is one hour shorter. Days off moved by the decree
    in between (a Monday off after a working Saturday) keep it so; an ordinary weekend in between
    does not (Friday before a Monday holiday works full hours), as the Ministry's calendars count."""
    day, moved_between = holiday - timedelta(days=1), False
    while day in days_off or (_weekend(day) and day not in working):
        if day in holidays:
            return None  # inside a run of holidays (1-8 January): only its first day counts
        moved_between |= day in days_off and not _weekend(day)
        day -= timedelta(days=1)
    return day if day == holiday - timedelta(days=1) or moved_between else None
