"""`appeals find [WORDS …]`: the staff search from the command line (every body), as a table, CSV or XLSX."""

from __future__ import annotations

import sys
from pathlib import Path

from . import CommandError, runtime_for

FORMATS = ("table", "csv", "xlsx")


def register(sub) -> None:
    p = sub.add_parser("find", help="search appeals by words (any form), number or contact, with filters; "
                                    "print a table or write CSV/XLSX")
    p.add_argument("words", nargs="*", help="words of the text, address or author («ямы» finds «яма»), a number "
                                            "or a contact")
    for name in ("status", "body", "topic", "municipality", "channel", "priority", "policy"):
        p.add_argument(f"--{name}", help="a code; --status also takes open or closed" if name == "status" else None)
    p.add_argument("--overdue", action="store_true", help="a running clock is past its due time")
    p.add_argument("--on-control", action="store_true", help="only appeals whose answers the centre checks")
    p.add_argument("--from", dest="received_from", help="received on or after (ISO 8601 date or date-time)")
    p.add_argument("--to", dest="received_to", help="received before (ISO 8601 date or date-time)")
    p.add_argument("--sort", choices=("newest", "oldest", "due"), default="newest")
    p.add_argument("--limit", type=int, default=50, help="rows of the table (at most 200); exports take up to 10,000")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", type=Path, help="file to write (needed for xlsx; csv goes to stdout without it)")
    p.set_defaults(handler=cmd_find)


def cmd_find(args, settings):
    from engine.services.access import Caller
    from engine.services.appeal_export import EXPORT_LIMIT, export_csv, export_xlsx
    from engine.services.appeal_search import every_match, search_appeals
    from engine.services.database import connection

    from ..api.appeal_search_args import read_search
    from ..errors import ApiError

    if args.format == "xlsx" and args.output is None:
        raise CommandError("для xlsx укажите файл: --output appeals.xlsx")
    rt = runtime_for(settings)
    params = {name: getattr(args, name) for name in ("status", "body", "topic", "municipality", "channel",
                                                      "priority", "policy", "received_from", "received_to")
              if getattr(args, name)}
    params.update({"q": " ".join(args.words), "sort": args.sort, "limit": str(min(max(args.limit, 1), 200))})
    if args.overdue:
        params["overdue"] = "true"
    if args.on_control:
        params["on_control"] = "true"
    try:
        search, _ = read_search({k: v for k, v in params.items() if v}, zone=rt.policy_set.directory.timezone)
    except ApiError as exc:
        raise CommandError("условия поиска не поняты: " + ", ".join(sorted(exc.fields or {}))) from None
    operator = Caller(token_id=None, role="admin", label="command line")
    with connection():
        if args.format == "table":
            found = search_appeals(rt, operator, search)
            _print_table(rt, found)
            return 0
        rows = every_match(rt, operator, search, limit=EXPORT_LIMIT)
        data = export_csv(rt, rows) if args.format == "csv" else export_xlsx(rt, rows)
    if args.output is None:
        sys.stdout.buffer.write(data)
    else:
        try:
            args.output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"не удалось записать {args.output}: {exc.strerror}") from None
        print(f"записано: {args.output}", file=sys.stderr)
    return 0


def _print_table(rt, found) -> None:
    from zoneinfo import ZoneInfo

    labels = rt.policy_set.labels
    zone = ZoneInfo(rt.policy_set.directory.timezone)
    for record, due in found.items:
        due_text = due.astimezone(zone).strftime("%d.%m.%Y %H:%M") if due else "—"
        text = " ".join(record.text.split())
        print(f"№{record.id}\t{record.received_at.astimezone(zone):%d.%m.%Y %H:%M}\t{labels('status', record.status)}"
              f"\t{labels('body', record.body) or '—'}\tсрок {due_text}\t{text[:80]}")
    print(f"найдено: {found.total}" + (f", показано {len(found.items)}" if found.total > len(found.items) else ""),
          file=sys.stderr)
