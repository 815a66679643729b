"""`appeals import FILE.csv --channel hotline`: a hotline's export into appeals."""

from __future__ import annotations

import sys
from pathlib import Path

from . import CommandError, runtime_for


def register(sub) -> None:
    p = sub.add_parser("import", help="import appeals from a CSV file (a hotline's export)")
    p.add_argument("file", type=Path, help="CSV with a header: external_id,received_at,text[,author_name,…]")
    p.add_argument("--channel", required=True, help="the channel the appeals came through (must exist)")
    p.add_argument("--all-or-nothing", action="store_true", help="import nothing when any row is invalid")
    p.set_defaults(handler=cmd_import)


def cmd_import(args, settings):
    from engine.services.database import connection
    from engine.services.importing import ImportFailed, import_csv, read_text

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"не удаётся прочитать {args.file}: {exc.strerror}") from None
    rt = runtime_for(settings)

    def progress(done: int, total: int) -> None:
        print(f"\rstored {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    with connection():
        try:
            report = import_csv(rt, read_text(data), channel=args.channel, all_or_nothing=args.all_or_nothing,
                                progress=progress)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from None
    for error in report.errors:
        print(error)
    if report.aborted:
        print(f"ошибок: {len(report.errors)} в {report.rows} строках; ничего не загружено (--all-or-nothing)")
        return 1
    print(f"строк: {report.rows}; загружено {report.imported} (распределено {report.routed}), "
          f"уже были: {report.already_there}, с ошибками: {len(report.errors)}")
    return 1 if report.errors else 0
