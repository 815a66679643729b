"""`appeals deadline` previews categories, special outcomes and extensions; `clocks recompute` and `report`."""

from __future__ import annotations

import json

import pytest

from tests.support.command_line import run


def test_the_deadline_preview_applies_a_special_outcome_notice_clock(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-04-06T10:00:00+07:00",
                       "--special", "unreadable", "--json")

    assert code == 0
    clocks = {c["kind"]: c for c in json.loads(out)["clocks"]}
    # Mon 6 Apr + 7 days = Mon 13 Apr
    assert clocks["notice"]["due"] == "2026-04-13T23:59:59+07:00"
    assert "answer" in clocks


def test_the_deadline_preview_of_an_anonymous_appeal_has_no_answer_clock(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-04-06T10:00:00+07:00",
                       "--special", "anonymous", "--json")

    assert code == 0
    assert "answer" not in {c["kind"] for c in json.loads(out)["clocks"]}


def test_an_extension_preview_counts_the_prolonged_term_from_the_start(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-04-06T10:00:00+07:00",
                       "--extend", "30", "--json")

    answer = next(c for c in json.loads(out)["clocks"] if c["kind"] == "answer")
    assert code == 0
    assert (answer["due"], answer["extension_days"], answer["amount"]) == ("2026-06-05T23:59:59+07:00", 30, 60)


def test_the_text_preview_prints_the_working_hours_each_term_contains(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "incident", "--start", "2026-04-06T10:00:00+07:00",
                       "--body", "min-roads")

    assert code == 0
    assert "срок первичного ответа: 9 рабочих часов — до " in out and "рабочих часов: 9,0" in out
    assert "время: барнаульское время (UTC+7)" in out and "начало: 06.04.2026 10:00" in out


def test_an_unknown_special_outcome_is_named_with_the_known_ones(cli_env, capsys):
    code, _, err = run(capsys, "deadline", "--policy", "incident", "--start", "2026-04-06T10:00:00+07:00",
                       "--special", "unreadable")

    assert code == 2 and "unreadable" in err and "есть: ни одного" in err


def test_recompute_without_a_reason_is_refused_by_the_parser(cli_env, capsys):
    with pytest.raises(SystemExit) as stopped:
        run(capsys, "clocks", "recompute")

    assert stopped.value.code == 2


def test_recompute_on_an_empty_database_reports_zero_clocks(cli_env, capsys):
    code, out, _ = run(capsys, "clocks", "recompute", "--reason", "новый календарь")

    assert code == 0
    assert json.loads(out)["examined"] == 0


def test_the_sla_report_prints_csv_with_a_total_line(cli_env, capsys):
    code, out, _ = run(capsys, "report", "sla", "--from", "2026-05-01", "--to", "2026-05-31", "--format", "csv")

    assert code == 0
    assert out.splitlines()[0] == "body,on_time_closed,closed,open_overdue,pending,compliance,returned_answers"
    assert out.splitlines()[-1].startswith("total,0,0,0,0,")


def test_the_incident_preview_shows_the_final_answer_waiting_for_the_interim_answer(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "incident", "--start", "2026-11-27T09:00:00+07:00",
                       "--body", "min-roads", "--json")

    final = next(c for c in json.loads(out)["clocks"] if c["kind"] == "final_answer")
    assert code == 0
    assert (final["due"], final["starts_from"], final["term"]) == (
        None, "interim", "7 working_days after the interim answer")


def test_the_incident_preview_counts_the_final_answer_from_the_interim_answer(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "incident", "--start", "2026-11-27T09:00:00+07:00",
                       "--interim", "2026-11-27T12:00:00+07:00", "--body", "min-roads", "--json")

    clocks = {c["kind"]: c for c in json.loads(out)["clocks"]}
    assert code == 0
    # Fri 27 Nov 12:00 + 7 working days: 30 Nov - 4 Dec, 7-8 Dec, the ministry works until 18:00
    assert clocks["final_answer"]["due"] == "2026-12-08T18:00:00+07:00"
    assert clocks["final_answer"]["starts"] == "2026-11-27T12:00:00+07:00"
    assert clocks["first_response"]["starts"] == "2026-11-27T09:00:00+07:00"


def test_the_text_preview_says_the_final_answer_starts_at_the_interim_answer(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "incident-high", "--start", "2026-11-27T09:00:00+07:00")
    assert code == 0 and "7 рабочих дней после промежуточного ответа — ещё не начат (укажите --interim" in out

    code, out, _ = run(capsys, "deadline", "--policy", "incident-high", "--start", "2026-11-27T09:00:00+07:00",
                       "--interim", "2026-11-27T12:00:00+07:00")
    assert code == 0 and "промежуточный ответ: 27.11.2026 12:00" in out
    assert ("срок окончательного ответа: 7 рабочих дней после промежуточного ответа — до 08.12.2026 18:00 "
            "(UTC 08.12.2026 11:00; рабочих часов: ") in out


@pytest.mark.parametrize(
    ("policy", "interim", "message"),
    [
        ("incident", "2026-11-27T08:00:00+07:00", "не может быть раньше --start"),
        ("fz59", "2026-11-27T12:00:00+07:00", "нет срока, который начинается с промежуточного ответа"),
    ],
)
def test_an_interim_time_that_does_not_fit_is_refused(cli_env, capsys, policy, interim, message):
    code, _, err = run(capsys, "deadline", "--policy", policy, "--start", "2026-11-27T09:00:00+07:00",
                       "--interim", interim)

    assert code == 2 and message in err
