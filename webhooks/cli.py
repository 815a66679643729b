"""The `appeals` command line; each area registers its subcommands from webhooks/commands/."""

from __future__ import annotations

import argparse
import logging
import sys

from engine.config import Settings
from engine.domain.calendar import CalendarNotAvailable

from .commands import (
    CommandError,
    calendar,
    clocks,
    credentials,
    decisions,
    finding,
    imports,
    keys,
    rules,
    service,
    users,
    watch,
)

AREAS = (service, decisions, credentials, keys, imports, clocks, calendar, users, rules, finding, watch)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appeals", description="Routing and deadlines for citizens' appeals")
    sub = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # an APPEALS_* variable out of its range: one line, no traceback
        print(f"appeals {args.command}: configuration: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args, settings) or 0
    except CommandError as exc:
        print(f"appeals {args.command}: {exc}", file=sys.stderr)
        return 2
    except (CalendarNotAvailable, OverflowError):
        # a date no calendar can count (beyond year 9999): one line, never a traceback
        print(f"appeals {args.command}: дата вне поддерживаемого диапазона: сроки считаются для годов 1–9998",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
