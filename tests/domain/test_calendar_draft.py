"""`appeals calendar draft`: a year's calendar from art. 95 and 112 of the Labour Code and the decree's
transfers the holidays package knows; the drafts of 2026 and 2027 reproduce the shipped, checked files."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from engine.domain.calendar import ProductionCalendar
from engine.domain.calendar_draft import draft_year
from engine.services.calendar_draft import draft_text, known_transfers
from tests.support.command_line import run
from tests.support.paths import RULES_DIR


def days(entries) -> set[date]:
    return {entry["date"] for entry in entries}


def named(*stamps: str) -> set[date]:
    """Dates written with their weekday names ("Mon 2028-11-06"), checked."""
    found = set()
    for stamp in stamps:
        weekday, iso = stamp.split()
        d = date.fromisoformat(iso)
        assert d.strftime("%a") == weekday, stamp
        found.add(d)
    return found


def test_the_2028_draft_from_the_labour_code_alone():
    doc = draft_year(2028)

    assert days(doc["days_off"]) == named(
        "Sat 2028-01-01", "Sun 2028-01-02", "Mon 2028-01-03", "Tue 2028-01-04", "Wed 2028-01-05", "Thu 2028-01-06",
        "Fri 2028-01-07", "Sat 2028-01-08", "Wed 2028-02-23", "Wed 2028-03-08", "Mon 2028-05-01", "Tue 2028-05-09",
        "Mon 2028-06-12", "Sat 2028-11-04",
        "Mon 2028-11-06",  # art. 112 part 2: Unity Day on a Saturday moves to the next working day
    )
    assert doc["working_weekends"] == []
    # art. 95: the working day right before a holiday; not the Friday before a Monday holiday
    assert days(doc["shortened"]) == named("Tue 2028-02-22", "Tue 2028-03-07", "Mon 2028-05-08", "Fri 2028-11-03")
    assert "впишите номер и дату постановления" in doc["source"]


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_draft_with_the_decrees_transfers_reproduces_the_shipped_file(year):
    shipped = yaml.safe_load((RULES_DIR / "calendar" / f"ru-{year}.yaml").read_text(encoding="utf-8"))
    transfers = known_transfers(year)
    assert transfers, f"the holidays package knows the transfers of {year}"

    doc = draft_year(year, transfers)

    for section in ("days_off", "working_weekends", "shortened"):
        assert days(doc[section]) == days(shipped[section] or []), section


def test_the_draft_text_loads_as_a_calendar_file_and_says_it_is_a_draft():
    text = draft_text(2028, use_package=False)

    calendar = ProductionCalendar.from_documents([yaml.safe_load(text)])
    assert calendar.years == {2028}
    assert text.startswith("# Производственный календарь Российской Федерации на 2028 год — ПРОЕКТ.")
    assert not calendar.is_working_day(date(2028, 11, 6))


def test_the_command_prints_or_writes_the_draft_and_refuses_to_overwrite_in_one_russian_line(
        cli_env, capsys, tmp_path):
    code, out, _ = run(capsys, "calendar", "draft", "2028")
    assert code == 0 and "year: 2028" in out

    target = tmp_path / "ru-2028.yaml"
    code, out, _ = run(capsys, "calendar", "draft", "2028", "--output", str(target))
    assert code == 0 and "записан" in out
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["year"] == 2028

    code, _, err = run(capsys, "calendar", "draft", "2028", "--output", str(target))
    assert code == 2 and err.count("\n") == 1 and "уже есть" in err and "Traceback" not in err
    code, _, err = run(capsys, "calendar", "draft", "двадцать", "--output", str(target))
    assert code == 2 and err.count("\n") == 1 and "целое число" in err


def test_a_deadline_no_calendar_can_count_is_one_russian_line_not_a_traceback(cli_env, capsys):
    code, out, err = run(capsys, "deadline", "--policy", "fz59", "--start", "9999-12-20T10:00:00+07:00")

    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "вне поддерживаемого диапазона" in err and "Traceback" not in err


def test_a_deadline_in_2028_is_counted_and_marked_provisional_on_the_command_line(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2027-12-20T10:00:00+07:00", "--json")

    answer = next(c for c in yaml.safe_load(out)["clocks"] if c["kind"] == "answer")
    assert code == 0
    assert answer["due"] == "2028-01-19T23:59:59+07:00" and answer["provisional_years"] == "2028"
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2027-12-20T10:00:00+07:00")
    assert code == 0 and "срок ответа: 30 календарных дней после регистрации — до 19.01.2028 23:59" in out
    assert "ПРЕДВАРИТЕЛЬНО: нет официального календаря на 2028 год" in out
