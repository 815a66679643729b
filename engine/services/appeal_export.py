"""The staff's list of appeals as a file: CSV (for any program) or XLSX (Excel), with Russian column
names, codes shown by their names and times in the region's time zone (дд.мм.гггг чч:мм)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.store import appeals as appeal_store
from engine.store.db import write_transaction

if TYPE_CHECKING:
    from engine.runtime import Runtime
    from engine.services.access import Caller

EXPORT_LIMIT = 10_000
TEXT_CHARS = 2000  # of an appeal's text in a cell
COLUMNS = ("Номер", "Поступило", "Канал", "Статус", "Орган", "Тема", "Муниципальное образование", "Приоритет",
           "Ближайший срок", "Просрочено", "Автор", "Адрес", "Текст")
TIME_FORMAT = "%d.%m.%Y %H:%M"


def _cells(rt: Runtime, record, due: datetime | None, zone: ZoneInfo, now: datetime) -> list:
    labels = rt.policy_set.labels
    return [
        record.id,
        record.received_at.astimezone(zone).replace(tzinfo=None),
        labels("channel", record.channel),
        labels("status", record.status),
        labels("body", record.body),
        labels("topic", record.topic),
        labels("municipality", record.municipality),
        labels("priority", record.priority),
        due.astimezone(zone).replace(tzinfo=None) if due else None,
        "да" if due is not None and due < now else "нет",
        record.author_name or "",
        record.address or "",
        (record.text or "")[:TEXT_CHARS],
    ]


def _rows(rt: Runtime, found: Iterable[tuple]) -> Iterable[list]:
    zone = ZoneInfo(rt.policy_set.directory.timezone)
    now = rt.now()
    for record, due in found:
        yield _cells(rt, record, due, zone, now)


def export_csv(rt: Runtime, found: Iterable[tuple]) -> bytes:
    """UTF-8 with a byte order mark and «;» between fields, as Excel in a Russian locale opens it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for cells in _rows(rt, found):
        writer.writerow([value.strftime(TIME_FORMAT) if isinstance(value, datetime) else _safe(value)
                         for value in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(rt: Runtime, found: Iterable[tuple]) -> bytes:
    """One sheet «Обращения»: a bold header row, real dates shown as дд.мм.гггг чч:мм."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Обращения")
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for cells in _rows(rt, found):
        row = []
        for value in cells:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", _safe(value))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            row.append(cell)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(value):
    """A resident's text never becomes a spreadsheet formula: a leading = + - @ is quoted away."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def record_export(rt: Runtime, caller: Caller, *, file_format: str, query: dict, rows: int) -> None:
    """An export carries residents' names and addresses: who took which list, and how many rows, is audited
    (``appeals.exported``, not tied to one appeal)."""
    with write_transaction():
        appeal_store.audit(rt.now(), caller.actor, "appeals.exported", None, format=file_format, rows=rows,
                           query={k: str(v) for k, v in query.items() if k != "format"},
                           **({"origin": caller.origin} if caller.origin else {}))
