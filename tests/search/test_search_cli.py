"""`appeals find`: the staff search from the command line, as a table, CSV or XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.support.staff import routed


def test_find_prints_what_the_words_find_with_local_times(runtime, cli_env, capsys):
    pit = routed(runtime, text="Во дворе яма", external_id="pit")
    routed(runtime, text="Не вывозят мусор", external_id="waste")
    from webhooks.cli import main

    assert main(["find", "ямы"]) == 0

    out, err = capsys.readouterr()
    [line] = out.splitlines()
    assert line.startswith(f"№{pit}\t30.11.2026 10:00\tнаправлено, не взято в работу\tКомитет по дорожному")
    assert "срок 30.12.2026 23:59" in line and "найдено: 1" in err


def test_find_exports_csv_and_xlsx(runtime, cli_env, capsys, tmp_path):
    pit = routed(runtime, text="Во дворе яма", external_id="pit")
    from webhooks.cli import main

    assert main(["find", "--status", "open", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Номер" and rows[1][0] == str(pit)

    assert main(["find", "яма", "--format", "xlsx", "--output", str(tmp_path / "found.xlsx")]) == 0
    sheet = load_workbook(tmp_path / "found.xlsx").active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [pit]


def test_find_refuses_what_it_cannot_read_in_one_russian_line(runtime, cli_env, capsys):
    from webhooks.cli import main

    assert main(["find", "--from", "вчера"]) == 2
    assert main(["find", "--format", "xlsx"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["appeals find: условия поиска не поняты: received_from",
                   "appeals find: для xlsx укажите файл: --output appeals.xlsx"]
