"""Importing a hotline's CSV export: every row validated, errors by row and column, valid rows
stored and routed, idempotent on the external id (a second run imports nothing new)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.author_keys import author_key
from engine.domain.vocabulary import AUTHOR_TYPES, MAX_TEXT, REGIMES, URGENCIES
from engine.store import credentials as channel_store
from engine.store.db import write_transaction

from .intake import receive_appeal, route_appeal

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

REQUIRED = ("external_id", "received_at", "text")
OPTIONAL = ("author_name", "author_contact", "author_type", "author_id", "municipality", "address", "category",
            "subcategory", "regime", "urgency", "fz59")
LIMITS = {"external_id": 200, "text": MAX_TEXT, "author_name": 300, "author_contact": 300, "author_id": 200,
          "municipality": 100, "address": 1000, "category": 100, "subcategory": 100}
CHOICES = {"author_type": AUTHOR_TYPES, "regime": REGIMES, "urgency": URGENCIES}
TRUE, FALSE = {"1", "true", "yes", "да"}, {"", "0", "false", "no", "нет"}
PROGRESS_EVERY = 100


class ImportFailed(ValueError):
    """The file as a whole cannot be imported (no such channel, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int  # the line's number in the file; the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"строка {self.row}, столбец {self.column}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    already_there: int = 0
    routed: int = 0
    errors: list[RowError] = field(default_factory=list)
    aborted: bool = False  # all-or-nothing and some row was invalid: nothing imported


def import_csv(rt: Runtime, lines: Iterable[str], *, channel: str, all_or_nothing: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ImportReport:
    if channel_store.get_channel(channel) is None:
        raise ImportFailed(f"нет канала {channel!r}; добавьте его: `appeals channel add {channel} --kind generic`")
    reader = csv.DictReader(lines)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise ImportFailed("; ".join(filter(None, (
            f"нет столбцов: {', '.join(missing)}" if missing else "",
            f"неизвестные столбцы: {', '.join(unknown)} (известные: {', '.join(REQUIRED + OPTIONAL)})"
            if unknown else "",
        ))))
    zone = ZoneInfo(rt.policy_set.directory.timezone)
    report, valid = ImportReport(), []
    for number, raw in enumerate(reader, start=2):
        report.rows += 1
        row = {k.strip(): (v or "").replace("\x00", "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            report.errors.append(RowError(number, "-",
                                          f"значений на {len(raw[None])} больше, чем столбцов в заголовке"))
            continue
        incoming, errors = _appeal(number, row, channel, zone, rt.now())
        report.errors += errors
        if incoming is not None:
            valid.append((incoming, json.dumps(row, ensure_ascii=False, sort_keys=True)))
    if all_or_nothing and report.errors:
        report.aborted = True
        return report
    created = _store(rt, valid, report, atomic=all_or_nothing, progress=progress)
    report.routed = sum(route_appeal(rt, appeal_id) for appeal_id in created)
    log.info("import into %s: %s rows, %s imported, %s already there, %s errors", channel, report.rows,
             report.imported, report.already_there, len(report.errors))
    return report


def _store(rt: Runtime, valid, report: ImportReport, *, atomic: bool, progress) -> list[int]:
    created: list[int] = []

    def run():
        for done, (incoming, raw) in enumerate(valid, start=1):
            received = receive_appeal(rt, incoming, raw, actor=f"import:{incoming.channel}")
            if received.created:
                created.append(received.appeal_id)
                report.imported += 1
            else:
                report.already_there += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(valid)):
                progress(done, len(valid))

    if atomic:
        with write_transaction():
            run()
    else:
        run()
    return created


def _appeal(number: int, row: dict, channel: str, zone: ZoneInfo, now: datetime) -> tuple[IncomingAppeal | None, list]:
    errors: list[str] = []

    def err(column: str, message: str):
        errors.append((column, message))

    for column in REQUIRED:
        if not row.get(column):
            err(column, "обязательно, но пусто")
    for column, limit in LIMITS.items():
        if len(row.get(column) or "") > limit:
            err(column, f"длиннее {limit} знаков")
    for column, allowed in CHOICES.items():
        if row.get(column) and row[column] not in allowed:
            err(column, f"{row[column]!r} — не одно из: {', '.join(allowed)}")
    fz59 = (row.get("fz59") or "").casefold()
    if fz59 not in TRUE | FALSE:
        err("fz59", f"{row['fz59']!r} — не yes/no")
    received = None
    if row.get("received_at"):
        try:
            received = datetime.fromisoformat(row["received_at"])
            received = received if received.tzinfo else received.replace(tzinfo=zone)
            if received > now:
                err("received_at", "в будущем")
        except ValueError:
            err("received_at", f"{row['received_at']!r} — не дата и время (2026-11-30 10:15 или ISO 8601)")
    rows_errors = [RowError(number, c, m) for c, m in errors]
    if rows_errors:
        return None, rows_errors
    return IncomingAppeal(
        channel=channel,
        external_id=row["external_id"],
        text=row["text"],
        received_at=received,
        author=Author(name=row.get("author_name") or None, type=row.get("author_type") or "citizen",
                      contact=row.get("author_contact") or None),
        author_id=row.get("author_id") or _author_key(row.get("author_contact")),
        municipality=row.get("municipality") or None,
        address=row.get("address") or None,
        category=row.get("category") or None,
        subcategory=row.get("subcategory") or None,
        fz59=fz59 in TRUE,
        urgency=row.get("urgency") or "normal",
        regime=row.get("regime") or None,
    ), []


def _author_key(contact: str | None) -> str | None:
    """The caller's key from the contact they gave (a phone number or an e-mail address, normalised);
    any other contact (a postal address) is kept as written, so repeats of the same caller are found."""
    if not contact:
        return None
    return author_key(contact) or f"contact:{contact.casefold()}"


def read_text(data: bytes) -> io.StringIO:
    """A CSV file's bytes as text: UTF-8 (with or without the BOM spreadsheets add), else Windows-1251."""
    try:
        return io.StringIO(data.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError:
        return io.StringIO(data.decode("cp1251"), newline="")
