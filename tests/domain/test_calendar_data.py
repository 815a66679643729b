"""The shipped production calendar: cross-checked, complete, fresh; and its parsing rules."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
import yaml

from engine.domain.business_calendar import BusinessCalendar, WorkingHours
from engine.domain.calendar import FIXED_HOLIDAYS, ProductionCalendar, missing_next_year
from engine.policyset.calendars import (
    business_calendar_for_body,
    load_production_calendar,
    load_working_hours,
)

ROOT = Path(__file__).resolve().parents[2]
CALENDAR_DIR = ROOT / "rules" / "calendar"
SHIPPED = load_production_calendar(CALENDAR_DIR)
DIRECTORY = yaml.safe_load((ROOT / "rules" / "directory.yaml").read_text(encoding="utf-8"))
YEARS = (2025, 2026, 2027)


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def year_doc(year: int = 2026, **changes) -> dict:
    doc = {"year": year, "source": "test decree", "days_off": [], "working_weekends": [], "shortened": []}
    doc.update(changes)
    return doc


@pytest.mark.parametrize("year", YEARS)
def test_every_date_is_working_or_not_exactly_as_the_holidays_package_says(year):
    reference = holidays.country_holidays("RU", years=year)
    differing = [
        f"{d} {d:%a}: ours {'working' if SHIPPED.is_working_day(d) else 'off'}"
        for d in days_of(year)
        if SHIPPED.is_working_day(d) != reference.is_working_day(d)
    ]
    assert not differing, "calendar differs from the holidays package:\n" + "\n".join(differing)


def test_2026_has_247_working_days():
    assert SHIPPED.working_days_in_year(2026) == 247


@pytest.mark.parametrize("year", YEARS)
def test_each_year_has_247_working_days_and_a_norm_of_1972_hours_for_a_40_hour_week(year):
    # 2025 and 2026: the published norms; 2027: what the decree's transfers and art. 95 give
    hours = sum(8 - SHIPPED.is_shortened(d) for d in days_of(year) if SHIPPED.is_working_day(d))
    assert (SHIPPED.working_days_in_year(year), hours) == (247, 1972)


@pytest.mark.parametrize(
    ("day", "shortened", "why"),
    [
        (date(2025, 5, 7), False, "Wed: 8 May 2025 is a day off transferred from 23 February, not a holiday"),
        (date(2025, 12, 30), False, "Tue: 31 December 2025 is a transferred day off"),
        (date(2026, 12, 30), False, "Wed: 31 December 2026 is a transferred day off"),
        (date(2027, 2, 20), True, "Sat, worked: the last working day before 22 (transferred) and 23 February"),
        (date(2027, 11, 3), True, "Wed: the day before Unity Day"),
        (date(2027, 12, 30), False, "Thu: 31 December 2027 is a transferred day off"),
    ],
)
def test_a_day_before_a_holiday_is_shortened_and_a_day_before_a_transferred_day_off_is_not(day, shortened, why):
    assert SHIPPED.is_shortened(day) is shortened, why


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2025, {date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)}),
        (2026, {date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)}),
        (2027, {date(2027, 2, 20), date(2027, 4, 30), date(2027, 6, 11), date(2027, 11, 3)}),
    ],
)
def test_shortened_days_are_the_published_pre_holiday_days(year, expected):
    assert {d for d in days_of(year) if SHIPPED.is_shortened(d)} == expected
    assert all(SHIPPED.is_working_day(d) for d in expected)


def test_saturday_1_november_2025_and_saturday_20_february_2027_are_working_days():
    assert SHIPPED.is_working_day(date(2025, 11, 1))
    assert SHIPPED.is_working_day(date(2027, 2, 20))
    assert not SHIPPED.is_working_day(date(2027, 2, 22))


@pytest.mark.parametrize("path", sorted(CALENDAR_DIR.glob("ru-*.yaml")), ids=lambda p: p.name)
def test_each_year_file_names_its_year_and_its_decree(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert path.stem == f"ru-{doc['year']}"
    assert "Постановление" in doc["source"]


def test_the_shipped_calendar_covers_the_years_it_claims():
    assert set(YEARS) <= SHIPPED.years


def test_the_shipped_calendar_is_not_stale_today():
    # Fails from 1 October when next year's file is missing: add rules/calendar/ru-<year>.yaml.
    assert missing_next_year(SHIPPED, date.today()) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 9, 30), None),
        (date(2027, 10, 1), 2028),
        (date(2027, 12, 31), 2028),
        (date(2026, 10, 1), None),
        (date(2028, 1, 10), 2028),
    ],
)
def test_missing_next_year_reports_the_year_from_the_first_of_october(today, expected):
    assert missing_next_year(SHIPPED, today) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 2028 has no data: provisional, weekends and the holidays of art. 112, no transfers
        ("Mon 2028-01-03", False), ("Fri 2028-01-07", False), ("Sat 2028-01-08", False),
        ("Mon 2028-01-10", True), ("Wed 2028-02-23", False), ("Wed 2028-03-08", False),
        ("Mon 2028-05-01", False), ("Tue 2028-05-09", False), ("Mon 2028-06-12", False),
        ("Sat 2028-11-04", False), ("Mon 2028-11-06", True), ("Fri 2028-12-29", True),
        # 2024 before the data: 31 December 2024 was a decree's day off, provisionally it works
        ("Tue 2024-12-31", True), ("Sat 2024-12-28", False),
        # inside the data the decree counts: Fri 31 Dec 2027 off, Sat 20 Feb 2027 works
        ("Fri 2027-12-31", False), ("Sat 2027-02-20", True),
    ],
)
def test_a_year_beyond_the_data_is_counted_on_the_provisional_calendar(day, working):
    weekday, iso = day.split()
    d = date.fromisoformat(iso)
    assert d.strftime("%a") == weekday
    assert SHIPPED.is_working_day(d) is working
    assert SHIPPED.is_provisional(d) is (d.year not in YEARS)
    assert not SHIPPED.is_shortened(d) or d.year in YEARS


def test_the_provisional_holidays_are_the_fourteen_days_of_article_112():
    assert len(FIXED_HOLIDAYS) == 14
    assert sorted(FIXED_HOLIDAYS)[:8] == [(1, day) for day in range(1, 9)]
    assert SHIPPED.provisional_years(date(2027, 12, 20), date(2029, 1, 10)) == (2028, 2029)


def test_the_version_ignores_document_order_but_follows_content():
    first = ProductionCalendar.from_documents([year_doc(2026), year_doc(2027)])
    swapped = ProductionCalendar.from_documents([year_doc(2027), year_doc(2026)])
    changed = ProductionCalendar.from_documents([year_doc(2026, days_off=["2026-03-02"]), year_doc(2027)])
    assert first.version == swapped.version
    assert first.version != changed.version
    assert len(first.version) == 12


def test_a_regional_overlay_adds_days_off():
    overlay = {"region": "test", "source": "regional law", "extra_days_off": [{"date": "2026-03-03", "note": "x"}]}
    merged = ProductionCalendar.from_documents([year_doc(2026), overlay])
    assert not merged.is_working_day(date(2026, 3, 3))
    assert merged.is_working_day(date(2026, 3, 4))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (year_doc(colour="red"), "unknown keys"),
        (year_doc(source=""), "source"),
        (year_doc(days_off=["2025-05-01"]), "another year"),
        (year_doc(working_weekends=["2026-03-02"]), "not a Saturday or Sunday"),
        (year_doc(days_off=["2026-03-07"], working_weekends=["2026-03-07"]), "both"),
        (year_doc(shortened=["2026-03-07"]), "not a working day"),
        (year_doc(days_off=["not a date"]), "YYYY-MM-DD"),
        (year_doc(days_off=[{"date": "2026-03-02", "colour": "red"}]), "unknown keys"),
        (year_doc(year="2026"), "integer"),
    ],
)
def test_a_malformed_year_document_is_refused(doc, message):
    with pytest.raises(ValueError, match=message):
        ProductionCalendar.from_documents([doc])


def test_a_year_defined_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        ProductionCalendar.from_documents([year_doc(2026), year_doc(2026)])


def test_working_hours_parse_windows_up_to_midnight():
    hours = WorkingHours.from_document({"windows": [["00:00", "24:00"]], "weekends": True})
    assert hours.windows == ((0, 1440),)
    assert hours.round_the_clock
    assert hours.window_times[0][1] is None


@pytest.mark.parametrize(
    "doc",
    [
        {"windows": []},
        {"windows": [["18:00", "09:00"]]},
        {"windows": [["09:00", "13:00"], ["12:00", "18:00"]]},
        {"windows": [["09:00", "25:00"]]},
        {"windows": [["9", "13:00"]]},
        {"windows": [["09:00", "13:00"]], "lunch": True},
        {"windows": [["09:00", "13:00"]], "weekends": "yes"},
    ],
)
def test_malformed_working_hours_are_refused(doc):
    with pytest.raises(ValueError):
        WorkingHours.from_document(doc)


def test_a_shortened_day_ends_the_last_window_an_hour_early_except_round_the_clock():
    schedules = load_working_hours(DIRECTORY)
    shortened = date(2026, 4, 30)
    assert schedules["regional-office"].windows_on(shortened, SHIPPED) == ((540, 780), (840, 1020))
    assert schedules["round-the-clock-desk"].windows_on(shortened, SHIPPED) == ((0, 1440),)
    assert schedules["regional-office"].windows_on(date(2026, 5, 1), SHIPPED) == ()
    assert schedules["round-the-clock-desk"].windows_on(date(2026, 5, 1), SHIPPED) == ((0, 1440),)


def test_a_body_counts_in_the_directory_time_zone_with_its_schedule():
    cal = business_calendar_for_body("barnaul-emergency-desk", DIRECTORY, SHIPPED)
    assert cal.timezone == "Asia/Barnaul"
    assert cal.hours.round_the_clock
    office = business_calendar_for_body("min-roads", DIRECTORY, SHIPPED)
    assert office.version != cal.version
    assert office.version == business_calendar_for_body("min-health", DIRECTORY, SHIPPED).version


def test_an_unknown_body_is_refused():
    with pytest.raises(ValueError, match="no-such-body"):
        business_calendar_for_body("no-such-body", DIRECTORY, SHIPPED)


def test_the_business_calendar_version_changes_with_the_time_zone():
    hours = load_working_hours(DIRECTORY)["regional-office"]
    assert BusinessCalendar(SHIPPED, hours, "Asia/Barnaul").version != BusinessCalendar(SHIPPED, hours, "UTC").version


def test_a_malformed_calendar_file_is_reported_by_its_path(tmp_path):
    (tmp_path / "ru-2026.yaml").write_text("year: 2026\nsource: x\ndays_off: [2026-13-01]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ru-2026\.yaml: month must be"):
        load_production_calendar(tmp_path)


def test_an_empty_calendar_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no calendar files"):
        load_production_calendar(tmp_path)
