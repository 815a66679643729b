"""Hotline CSV import: row and column errors, valid rows imported, idempotent, all-or-nothing."""

from __future__ import annotations

import io

import pytest

from engine.services import credentials
from engine.services.importing import ImportFailed, import_csv, read_text
from engine.store.models import AppealRecord

HEADER = "external_id,received_at,text,author_name,author_contact,municipality,regime,fz59\n"
GOOD = [
    'hl-1,2026-11-30 09:15,"Нет отопления в квартире, батареи холодные",Иван Сидоров,+79130000001,barnaul,fz59,да\n',
    "hl-2,2026-11-30T09:20:00+07:00,Мусор не вывозят третий день,,,,,\n",
    'hl-3,2026-11-29 18:00,"Яма на дороге в Бийске 🚧",Пётр Ильин,+79130000003,,incident,нет\n',
]
BAD = [
    "hl-4,вчера,Текст,,,,,\n",
    "hl-5,2026-11-30 09:00,,,,,martian,maybe\n",
    ",2026-11-30 09:00,Без номера,,,,,\n",
]


def csv_of(*rows: str) -> io.StringIO:
    return io.StringIO(HEADER + "".join(rows), newline="")


@pytest.fixture
def hotline(runtime):
    credentials.add_channel(runtime.now(), "hotline", "generic")
    return "hotline"


def test_valid_rows_are_imported_and_routed_and_each_error_names_its_row_and_column(runtime, hotline):
    report = import_csv(runtime, csv_of(*GOOD, *BAD), channel=hotline)

    assert (report.rows, report.imported, report.routed) == (6, 3, 3)
    assert sorted((e.row, e.column) for e in report.errors) == [
        (5, "received_at"), (6, "fz59"), (6, "regime"), (6, "text"), (7, "external_id")]
    first = AppealRecord.get(AppealRecord.external_id == "hl-1")
    assert first.received_at.isoformat() == "2026-11-30T02:15:00+00:00"  # naive times are Barnaul time
    assert first.fz59 is True and first.status == "routed"
    assert AppealRecord.get(AppealRecord.external_id == "hl-3").municipality == "biysk"


@pytest.mark.both_databases
def test_importing_the_same_file_twice_imports_nothing_new(runtime, hotline):
    import_csv(runtime, csv_of(*GOOD), channel=hotline)
    again = import_csv(runtime, csv_of(*GOOD), channel=hotline)

    assert (again.imported, again.already_there) == (0, 3)
    assert AppealRecord.select().count() == 3


@pytest.mark.both_databases
def test_all_or_nothing_imports_nothing_when_one_row_is_bad(runtime, hotline):
    report = import_csv(runtime, csv_of(*GOOD, BAD[0]), channel=hotline, all_or_nothing=True)

    assert report.aborted and report.imported == 0
    assert AppealRecord.select().count() == 0


def test_progress_is_reported_until_the_last_row(runtime, hotline):
    seen = []
    import_csv(runtime, csv_of(*GOOD), channel=hotline, progress=lambda done, total: seen.append((done, total)))

    assert seen[-1] == (3, 3)


def test_unknown_or_missing_columns_and_an_unknown_channel_fail_the_whole_file(runtime, hotline):
    with pytest.raises(ImportFailed, match=r"нет столбцов: received_at.*неизвестные столбцы: when"):
        import_csv(runtime, io.StringIO("external_id,when,text\n1,2,3\n"), channel=hotline)
    with pytest.raises(ImportFailed, match="нет канала 'nowhere'"):
        import_csv(runtime, csv_of(*GOOD), channel="nowhere")


def test_a_spreadsheets_bom_and_windows_1251_files_are_read(runtime, hotline):
    assert read_text(("\ufeff" + HEADER).encode("utf-8")).readline() == HEADER
    assert read_text(HEADER.encode("cp1251") + "Яма".encode("cp1251")).read().endswith("Яма")


def test_the_command_prints_errors_by_row_and_a_summary(runtime, hotline, settings, tmp_path, capsys, monkeypatch):
    from webhooks.commands import imports

    path = tmp_path / "calls.csv"
    path.write_text(HEADER + GOOD[0] + BAD[0], encoding="utf-8")
    monkeypatch.setattr(imports, "runtime_for", lambda s: runtime)

    status = imports.cmd_import(type("Args", (), {"file": path, "channel": "hotline", "all_or_nothing": False}),
                                settings)

    out = capsys.readouterr()
    assert status == 1
    assert "строка 3, столбец received_at" in out.out
    assert "строк: 2; загружено 1 (распределено 1), уже были: 0, с ошибками: 1" in out.out
    assert "stored 1/1" in out.err
