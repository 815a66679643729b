"""The `appeals` command line: serving, the worker, and the operator's and policy staff's commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from datetime import datetime

from engine.config import Settings


def _parse_instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {value}+07:00")
    return moment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appeals", description="Routing and deadlines for citizens' appeals")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, help_text in (("serve", "HTTP API"), ("run", "HTTP API and the worker in one process")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8080)
    sub.add_parser("worker", help="the scheduler: routing retries, escalation sweep, delivery")

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending migrations (idempotent)")

    p = sub.add_parser("sweep", help="run routing retries, the escalation sweep and delivery once")
    p.add_argument("--now", type=_parse_instant, help="the instant to sweep at (ISO 8601 with offset)")
    p.add_argument("--no-deliver", action="store_true", help="write alerts to the outbox but do not send")

    p = sub.add_parser("route", help="print the routing decision for an appeal without storing it")
    p.add_argument("--json", dest="json_file", required=True, help="a file in the generic appeal format, - for stdin")
    p.add_argument("--explain", action="store_true", help="explain every rule considered")

    p = sub.add_parser("demo", help="post realistic signed demo appeals to a running service")
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--channel", default="demo")
    p.add_argument("--secret", default="demo-secret")

    channel = sub.add_parser("channel", help="webhook channels").add_subparsers(dest="channel_command", required=True)
    p = channel.add_parser("add")
    p.add_argument("name")
    p.add_argument("--kind", required=True, choices=("generic", "vk", "telegram", "open311"))
    p.add_argument("--secret")
    p.add_argument("--confirmation")
    p.add_argument("--if-missing", action="store_true", help="succeed quietly when the channel exists")
    channel.add_parser("list")
    p = channel.add_parser("rotate-secret")
    p.add_argument("name")
    p.add_argument("--secret")

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    p = token.add_parser("create")
    p.add_argument("--role", required=True, choices=("channel", "official", "manager", "policy", "admin"))
    p.add_argument("--label")
    p.add_argument("--ttl-days", type=int)

    p = sub.add_parser("deadline", help="print the clocks a deadline policy gives for a start time")
    p.add_argument("--policy", required=True)
    p.add_argument("--start", required=True, type=_parse_instant)
    p.add_argument("--body", default="cur-triage")
    p.add_argument("--extend", type=int, default=0, help="extend the answer clock by DAYS (within policy limits)")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from . import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args, settings) or 0
    except commands.CommandError as exc:
        print(f"appeals {args.command}: {exc}", file=sys.stderr)
        return 2


def serve(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def start_worker_thread(rt) -> threading.Event:
    from engine.scheduler import run_forever

    stop = threading.Event()
    threading.Thread(target=run_forever, args=(rt, stop), name="worker", daemon=True).start()
    return stop


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    sys.exit(main())
