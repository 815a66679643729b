"""Business-time arithmetic against the shipped production calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.businesstime import (
    add_calendar_days,
    add_working_days,
    add_working_hours,
    elapsed_share,
    is_working_time,
    working_time_between,
)
from tests.support.business_calendars import CALENDARS, OFFICE, PRODUCTION
from tests.support.moments import at


def hours(text: str) -> timedelta:
    number, unit = text.split(" ", 1)
    assert unit in ("working hours", "working hour"), text
    return timedelta(hours=int(number))


def test_the_timestamp_helper_rejects_a_weekday_that_does_not_match_the_date():
    with pytest.raises(AssertionError):
        at("Fri 2026-04-30 17:30")


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        # across lunch, starting in lunch, before opening
        ("office", "Mon 2026-03-02 12:00", "2 working hours", "Mon 2026-03-02 15:00"),
        ("office", "Mon 2026-03-02 13:30", "1 working hour", "Mon 2026-03-02 15:00"),
        ("office", "Mon 2026-03-02 07:00", "1 working hour", "Mon 2026-03-02 10:00"),
        # a shortened day (30 April ends at 17:00) followed by the May holidays
        ("office", "Thu 2026-04-30 17:30", "9 working hours", "Tue 2026-05-05 10:00"),
        ("office", "Thu 2026-04-30 16:00", "9 working hours", "Mon 2026-05-04 18:00"),
        ("office", "Thu 2026-04-30 16:00", "1 working hour", "Thu 2026-04-30 17:00"),
        ("municipal", "Thu 2026-04-30 15:00", "2 working hours", "Mon 2026-05-04 09:00"),
        # a weekend followed by a moved holiday (9 March 2026)
        ("office", "Fri 2026-03-06 17:00", "4 working hours", "Tue 2026-03-10 12:00"),
        # the New Year block: 31 Dec 2025 to 11 Jan 2026
        ("office", "Tue 2025-12-30 17:00", "9 working hours", "Mon 2026-01-12 18:00"),
        # working shortened Saturday 1 Nov 2025, then 2-4 November off
        ("office", "Fri 2025-10-31 17:00", "9 working hours", "Wed 2025-11-05 10:00"),
        # working shortened Saturday 20 Feb 2027
        ("office", "Fri 2027-02-19 16:00", "4 working hours", "Sat 2027-02-20 11:00"),
        # exactly at a window end the clock stays at that end
        ("office", "Mon 2026-03-02 09:00", "4 working hours", "Mon 2026-03-02 13:00"),
        ("office", "Mon 2026-03-02 13:00", "0 working hours", "Mon 2026-03-02 13:00"),
        ("office", "Sat 2026-03-07 10:00", "0 working hours", "Tue 2026-03-10 09:00"),
        # the round-the-clock desk ignores nights, weekends, holidays and shortened days
        ("desk", "Thu 2026-04-30 17:30", "9 working hours", "Fri 2026-05-01 02:30"),
        ("desk", "Wed 2025-12-31 20:00", "4 working hours", "Thu 2026-01-01 00:00"),
        # stored in UTC, counted in Barnaul (UTC+7): 10:30 UTC is 17:30 local
        ("office", "Thu 2026-04-30 10:30 UTC", "9 working hours", "Tue 2026-05-05 03:00 UTC"),
        ("office", "Sun 2026-03-01 23:00 UTC", "1 working hour", "Mon 2026-03-02 03:00 UTC"),
    ],
)
def test_working_hours_count_only_working_windows(calendar, start, duration, expected):
    due = add_working_hours(at(start), hours(duration), CALENDARS[calendar])
    assert due == at(expected)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "days", "on_non_working", "expected"),
    [
        # an ordinary working day needs no move
        ("Mon 2026-03-02 10:00", 30, "next", "Wed 2026-04-01 23:59:59"),
        # 1 January 2027 is a holiday: next is 11 January, previous is 30 December (31st is off)
        ("Wed 2026-12-02 10:00", 30, "next", "Mon 2027-01-11 23:59:59"),
        ("Wed 2026-12-02 10:00", 30, "previous", "Wed 2026-12-30 23:59:59"),
        ("Wed 2026-12-02 10:00", 30, "unchanged", "Fri 2027-01-01 23:59:59"),
        # May 2026: 1 May (Fri) and 9 May (Sat, moved to Mon 11 May)
        ("Wed 2026-04-01 09:00", 30, "next", "Mon 2026-05-04 23:59:59"),
        ("Wed 2026-04-01 09:00", 30, "previous", "Thu 2026-04-30 23:59:59"),
        ("Thu 2026-04-09 09:00", 30, "next", "Tue 2026-05-12 23:59:59"),
        ("Thu 2026-04-09 09:00", 30, "previous", "Fri 2026-05-08 23:59:59"),
        ("Thu 2026-04-09 09:00", 30, "unchanged", "Sat 2026-05-09 23:59:59"),
        # a working Saturday is a working day: no move
        ("Tue 2025-10-28 12:00", 4, "next", "Sat 2025-11-01 23:59:59"),
        # three days to register, landing on 23 February 2027 (22 and 23 off)
        ("Sat 2027-02-20 15:00", 3, "next", "Wed 2027-02-24 23:59:59"),
        # zero days: the end of the same local day
        ("Mon 2026-03-02 10:00", 0, "next", "Mon 2026-03-02 23:59:59"),
        # received late on 31 May UTC, which is already 1 June in Barnaul
        ("Sun 2026-05-31 20:00 UTC", 30, "next", "Wed 2026-07-01 16:59:59 UTC"),
    ],
)
def test_calendar_days_end_at_the_end_of_the_local_day_and_move_off_days_off(start, days, on_non_working, expected):
    due = add_calendar_days(at(start), days, OFFICE, on_non_working)
    assert due == at(expected)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        # 7 working days for an incident: 4-8 May, then 12-13 May (11 May is off)
        ("office", "Thu 2026-04-30 17:30", 7, "Wed 2026-05-13 18:00"),
        # landing on a shortened day ends an hour early
        ("office", "Mon 2026-06-08 10:00", 3, "Thu 2026-06-11 17:00"),
        ("municipal", "Mon 2026-06-08 10:00", 3, "Thu 2026-06-11 16:00"),
        # from a weekend across a moved holiday
        ("office", "Sat 2026-03-07 12:00", 1, "Tue 2026-03-10 18:00"),
        # zero days: the end of today when today is working, else the next working day
        ("office", "Mon 2026-03-02 10:00", 0, "Mon 2026-03-02 18:00"),
        ("office", "Sun 2026-03-01 10:00", 0, "Mon 2026-03-02 18:00"),
        # the round-the-clock desk works every day until 24:00
        ("desk", "Thu 2026-04-30 10:00", 2, "Sat 2026-05-02 24:00"),
    ],
)
def test_working_days_end_at_the_end_of_working_time(calendar, start, days, expected):
    assert add_working_days(at(start), days, CALENDARS[calendar]) == at(expected)


@pytest.mark.parametrize(
    ("calendar", "a", "b", "expected"),
    [
        ("office", "Mon 2026-03-02 12:00", "Mon 2026-03-02 15:00", "2 working hours"),
        ("office", "Mon 2026-03-02 15:00", "Mon 2026-03-02 12:00", "0 working hours"),
        ("office", "Fri 2026-03-06 12:00", "Tue 2026-03-10 12:00", "8 working hours"),
        ("office", "Thu 2026-04-30 00:00", "Fri 2026-05-01 00:00", "7 working hours"),
        ("desk", "Fri 2026-05-01 00:00", "Mon 2026-05-04 00:00", "72 working hours"),
    ],
)
def test_working_time_between_counts_only_working_windows(calendar, a, b, expected):
    assert working_time_between(at(a), at(b), CALENDARS[calendar]) == hours(expected)


def test_the_regional_office_works_1972_hours_in_2026():
    year = working_time_between(at("Thu 2026-01-01 00:00"), at("Fri 2027-01-01 00:00"), OFFICE)
    assert year == timedelta(hours=1972)


def test_elapsed_share_on_a_calendar_basis_uses_wall_time():
    started, due = at("Mon 2026-03-02 00:00"), at("Wed 2026-03-04 00:00")
    assert elapsed_share(started, due, at("Tue 2026-03-03 00:00"), OFFICE, "calendar_days") == 0.5
    assert elapsed_share(started, due, at("Sun 2026-03-01 00:00"), OFFICE, "calendar_days") == 0.0
    assert elapsed_share(started, due, at("Fri 2026-03-06 00:00"), OFFICE, "calendar_days") == 2.0


def test_elapsed_share_on_a_working_basis_does_not_grow_over_a_weekend():
    started = at("Fri 2026-03-13 16:00")
    due = add_working_hours(started, timedelta(hours=4), OFFICE)
    assert due == at("Mon 2026-03-16 11:00")
    assert elapsed_share(started, due, at("Fri 2026-03-13 18:00"), OFFICE, "working_hours") == 0.5
    assert elapsed_share(started, due, at("Sun 2026-03-15 12:00"), OFFICE, "working_hours") == 0.5
    assert elapsed_share(started, due, at("Mon 2026-03-16 11:00"), OFFICE, "working_hours") == 1.0
    assert elapsed_share(started, due, at("Mon 2026-03-16 15:00"), OFFICE, "working_days") == 1.75
    assert elapsed_share(started, due, at("Fri 2026-03-13 09:00"), OFFICE, "working_hours") == 0.0


def test_elapsed_share_rejects_an_unknown_basis():
    with pytest.raises(ValueError, match="basis"):
        elapsed_share(at("Mon 2026-03-02 09:00"), at("Mon 2026-03-02 10:00"), at("Mon 2026-03-02 09:30"), OFFICE, "x")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_hours(datetime(2026, 3, 2, 9, 0), timedelta(hours=1), OFFICE)


@pytest.mark.parametrize(
    ("start", "days", "on_non_working", "expected"),
    [
        # 2028 has no data: the provisional calendar keeps weekends and the holidays of art. 112
        # Fri 10 Dec 2027 + 30 days = Sun 9 Jan 2028 (a weekend) → Mon 10 Jan
        ("Fri 2027-12-10 10:00", 30, "next", "Mon 2028-01-10 23:59:59"),
        # Mon 20 Dec 2027 + 30 days = Wed 19 Jan 2028, a working day
        ("Mon 2027-12-20 10:00", 30, "next", "Wed 2028-01-19 23:59:59"),
        # Wed 24 Nov 2027 + 30 days = Fri 24 Dec 2027: the official data still count it
        ("Wed 2027-11-24 10:00", 30, "next", "Fri 2027-12-24 23:59:59"),
        # Thu 3 Feb 2028 + 20 days = Wed 23 Feb 2028, a fixed holiday → Thu 24 Feb; previous: Tue 22 Feb
        ("Thu 2028-02-03 10:00", 20, "next", "Thu 2028-02-24 23:59:59"),
        ("Thu 2028-02-03 10:00", 20, "previous", "Tue 2028-02-22 23:59:59"),
        # Sat 4 Nov 2028 is a holiday on a weekend: no transfer provisionally, Mon 6 Nov works
        ("Thu 2028-10-05 10:00", 30, "next", "Mon 2028-11-06 23:59:59"),
        # before the data: a back-filled 2024 record; Wed 1 Jan 2025 is a holiday, the day before is in 2024
        ("Mon 2024-12-02 10:00", 30, "previous", "Tue 2024-12-31 23:59:59"),
        ("Wed 2025-01-01 07:00 UTC", 0, "previous", "Tue 2024-12-31 23:59:59"),
    ],
)
def test_beyond_the_data_days_are_counted_on_the_provisional_calendar(start, days, on_non_working, expected):
    assert add_calendar_days(at(start), days, OFFICE, on_non_working) == at(expected)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Fri 31 Dec 2027 is a transferred day off (data); 1-8 Jan 2028 are holidays (provisional),
        # 8-9 Jan a weekend: the first working hour is Mon 10 Jan 09:00
        ("Fri 2027-12-31 10:00", "1 working hour", "Mon 2028-01-10 10:00"),
        # the provisional year has no shortened days: Tue 22 Feb 2028 ends at 18:00
        ("Tue 2028-02-22 17:00", "1 working hour", "Tue 2028-02-22 18:00"),
        ("Tue 2028-02-22 17:00", "2 working hours", "Thu 2028-02-24 10:00"),
        # a 2024 hotline record: weekends and holidays of art. 112 only
        ("Tue 2024-12-31 17:00", "2 working hours", "Thu 2025-01-09 10:00"),
    ],
)
def test_working_hours_beyond_the_data_use_the_provisional_calendar(start, duration, expected):
    assert add_working_hours(at(start), hours(duration), OFFICE) == at(expected)


def test_a_term_is_marked_provisional_by_the_years_the_data_lack():
    assert OFFICE.provisional_years(at("Mon 2027-12-20 10:00"), at("Wed 2028-01-19 23:59")) == "2028"
    assert OFFICE.provisional_years(at("Mon 2024-12-02 10:00"), at("Tue 2024-12-31 23:59")) == "2024"
    assert OFFICE.provisional_years(at("Wed 2027-11-24 10:00"), at("Fri 2027-12-24 23:59")) is None
    # local dates count: 23:30 on 31 Dec 2027 in Barnaul is still 2027 (16:30 UTC)
    assert OFFICE.provisional_years(at("Fri 2027-12-31 23:30"), at("Fri 2027-12-31 23:59")) is None


starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 10, 31), timezones=st.just(UTC))
durations = st.integers(min_value=0, max_value=200 * 60).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from(sorted(CALENDARS))


@settings(max_examples=150, deadline=None)
@given(start=starts, first=durations, second=durations, calendar=calendars)
def test_a_longer_duration_never_ends_earlier(start, first, second, calendar):
    shorter, longer = sorted((first, second))
    cal = CALENDARS[calendar]
    assert add_working_hours(start, shorter, cal) <= add_working_hours(start, longer, cal)


@settings(max_examples=150, deadline=None)
@given(start=starts, duration=durations, calendar=calendars)
def test_working_time_between_gives_back_the_added_duration(start, duration, calendar):
    cal = CALENDARS[calendar]
    assert working_time_between(start, add_working_hours(start, duration, cal), cal) == duration


@settings(max_examples=150, deadline=None)
@given(start=starts, duration=durations, calendar=calendars)
def test_added_working_hours_always_land_inside_working_time(start, duration, calendar):
    cal = CALENDARS[calendar]
    assert is_working_time(add_working_hours(start, duration, cal), cal)


@settings(max_examples=100, deadline=None)
@given(a=starts, first=durations, second=durations, calendar=calendars)
def test_working_time_between_adds_up_over_consecutive_intervals(a, first, second, calendar):
    cal = CALENDARS[calendar]
    b, c = a + first, a + first + second
    assert working_time_between(a, c, cal) == working_time_between(a, b, cal) + working_time_between(b, c, cal)


# from mid-January: moved back from the New Year holidays of the first year, a term would leave the data
later_starts = st.datetimes(min_value=datetime(2025, 1, 15), max_value=datetime(2027, 10, 31), timezones=st.just(UTC))


@settings(max_examples=100, deadline=None)
@given(start=later_starts, days=st.integers(min_value=0, max_value=60), rule=st.sampled_from(["next", "previous"]))
def test_a_moved_calendar_day_deadline_ends_on_a_working_day_near_the_plain_term(start, days, rule):
    due = add_calendar_days(start, days, OFFICE, rule).astimezone(OFFICE.tz)
    plain = start.astimezone(OFFICE.tz).date() + timedelta(days=days)
    assert PRODUCTION.is_working_day(due.date())
    assert (due.date() >= plain) if rule == "next" else (due.date() <= plain)
    assert abs((due.date() - plain).days) <= 12
    assert due.time() == datetime.strptime("23:59:59", "%H:%M:%S").time()


@settings(max_examples=100, deadline=None)
@given(start=starts, days=st.integers(min_value=1, max_value=30), calendar=calendars)
def test_n_working_days_contain_exactly_n_working_days_after_the_start_date(start, days, calendar):
    cal = CALENDARS[calendar]
    due = add_working_days(start, days, cal)
    assert is_working_time(due, cal)
    first = start.astimezone(cal.tz).date() + timedelta(days=1)
    last = (due - timedelta(microseconds=1)).astimezone(cal.tz).date()
    counted = sum(cal.is_working_day(first + timedelta(days=i)) for i in range((last - first).days + 1))
    assert counted == days


def _utc(text: str) -> datetime:
    """'Thu 2026-04-30 02:00' as a UTC instant (the weekday checked)."""
    moment = datetime.strptime(text[4:], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert moment.strftime("%a") == text[:3], text
    return moment


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        # Barnaul is UTC+7: 09:00-13:00 and 14:00-18:00 local
        ("office", "Mon 2026-03-02", [("Mon 2026-03-02 02:00", "Mon 2026-03-02 06:00"),
                                      ("Mon 2026-03-02 07:00", "Mon 2026-03-02 11:00")]),
        # a shortened day ends an hour early
        ("office", "Thu 2026-04-30", [("Thu 2026-04-30 02:00", "Thu 2026-04-30 06:00"),
                                      ("Thu 2026-04-30 07:00", "Thu 2026-04-30 10:00")]),
        ("office", "Sat 2026-03-07", []),
        ("office", "Mon 2026-03-09", []),  # the moved holiday
        # the round-the-clock desk: its window ends at the next local midnight
        ("desk", "Fri 2026-05-01", [("Thu 2026-04-30 17:00", "Fri 2026-05-01 17:00")]),
    ],
)
def test_a_days_working_windows_in_utc(calendar, day, expected):
    cal = CALENDARS[calendar]
    d = datetime.strptime(day[4:], "%Y-%m-%d").date()
    assert d.strftime("%a") == day[:3]
    assert cal.windows_utc(d) == tuple((_utc(a), _utc(b)) for a, b in expected)


def test_a_calendar_remembers_a_days_windows_and_starts_again_when_it_has_kept_enough(monkeypatch):
    from engine.domain import business_calendar as calendars
    from engine.domain.business_calendar import BusinessCalendar

    cal = BusinessCalendar(PRODUCTION, OFFICE.hours, "Europe/Berlin")  # its own memory; a zone that moves its clocks
    before, after = datetime(2026, 3, 27).date(), datetime(2026, 3, 30).date()  # Fri, then Mon after the switch
    first = cal.windows_utc(before)
    assert cal.windows_utc(before) is first  # remembered, not worked out again
    assert first[0][0] == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert cal.windows_utc(after)[0][0] == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    monkeypatch.setattr(calendars, "UTC_WINDOWS_KEPT", 2)
    third = datetime(2026, 3, 31).date()
    assert cal.windows_utc(third)[0][0] == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)
    assert cal.windows_utc(before) is not first and cal.windows_utc(before) == first  # forgotten, the same again
    assert len(cal._utc_windows) <= 2
