"""The `appeals` command line; each area registers its subcommands from webhooks/commands/."""

from __future__ import annotations

import argparse
import logging
import sys

from engine.config import Settings

from .commands import CommandError, clocks, credentials, decisions, imports, keys, rules, service, users

AREAS = (service, decisions, credentials, keys, imports, clocks, users, rules)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appeals", description="Routing and deadlines for citizens' appeals")
    sub = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args, settings) or 0
    except CommandError as exc:
        print(f"appeals {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
