"""Serving, the worker, migrations, the sweep, routing and deadlines: `appeals serve|run|worker|db|sweep|…`."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from . import CommandError, parse_instant, policy_for, runtime_for


def register(sub) -> None:
    for name, help_text, handler in (
        ("serve", "HTTP API", cmd_serve),
        ("run", "HTTP API and the worker in one process", cmd_run),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8080)
        p.set_defaults(handler=handler)
    sub.add_parser("worker", help="the scheduler: routing retries, escalation sweep, delivery").set_defaults(
        handler=cmd_worker
    )

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending migrations (idempotent)").set_defaults(handler=cmd_db)

    p = sub.add_parser("sweep", help="run routing retries, the escalation sweep and delivery once")
    p.add_argument("--now", type=parse_instant, help="the instant to sweep at (ISO 8601 with offset)")
    p.add_argument("--no-deliver", action="store_true", help="write alerts to the outbox but do not send")
    p.set_defaults(handler=cmd_sweep)

    p = sub.add_parser("route", help="print the routing decision for an appeal without storing it")
    p.add_argument("--json", dest="json_file", required=True, help="a file in the generic appeal format, - for stdin")
    p.add_argument("--explain", action="store_true", help="explain every rule considered")
    p.set_defaults(handler=cmd_route)

    p = sub.add_parser("demo", help="post realistic signed demo appeals to a running service")
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--channel", default="demo")
    p.add_argument("--secret", default="demo-secret")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("deadline", help="print the clocks a deadline policy gives for a start time")
    p.add_argument("--policy", required=True)
    p.add_argument("--start", required=True, type=parse_instant)
    p.add_argument("--body", default="cur-triage")
    p.add_argument("--extend", type=int, default=0, help="extend the answer clock by DAYS (within policy limits)")
    p.add_argument("--category", help="portal message category (the policy's by_category table)")
    p.add_argument("--subcategory")
    p.add_argument("--special", help="59-ФЗ special outcome: unreadable, undeterminable, court_decision, ...")
    p.add_argument("--interim", type=parse_instant,
                   help="when the interim answer is given: counts the clocks that start from it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deadline)


def serve(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def start_worker_thread(rt) -> threading.Event:
    from engine.scheduler import run_forever

    stop = threading.Event()
    threading.Thread(target=run_forever, args=(rt, stop), name="worker", daemon=True).start()
    return stop


def _migrate_now(rt) -> list[int]:
    from engine.store.db import connection
    from engine.store.migrations import migrate

    with connection():
        return migrate(rt.now())


def cmd_db(args, settings):
    rt = runtime_for(settings)
    applied = _migrate_now(rt)
    print(f"migrations applied: {applied}" if applied else "database is up to date")


def cmd_serve(args, settings):
    from webhooks import create_app

    rt = runtime_for(settings)
    serve(create_app(rt), args.host, args.port)


def cmd_worker(args, settings):
    from engine.scheduler import run_forever

    rt = runtime_for(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_forever(rt, stop)
    except KeyboardInterrupt:
        stop.set()


def cmd_run(args, settings):
    from webhooks import create_app

    rt = runtime_for(settings)
    _migrate_now(rt)
    stop = start_worker_thread(rt)
    try:
        serve(create_app(rt), args.host, args.port)
    finally:
        stop.set()


def cmd_sweep(args, settings):
    from engine.jobs import run_job

    fixed = args.now.astimezone(UTC) if args.now else None
    rt = runtime_for(settings, clock=(lambda: fixed) if fixed else None)
    names = ["route", "sweep"] + ([] if args.no_deliver else ["deliver"])
    results = {name: run_job(rt, name) for name in names}
    report = {name: (vars(r) if hasattr(r, "__dict__") else r) for name, r in results.items()}
    print(json.dumps({"now": rt.now().isoformat(), **report}, ensure_ascii=False))
    return 0 if all(r is not None for r in results.values()) else 1


def cmd_route(args, settings):
    from marshmallow import ValidationError

    from engine.bootstrap import system_clock
    from webhooks.channels.generic import load_appeal

    text = sys.stdin.read() if args.json_file == "-" else Path(args.json_file).read_text(encoding="utf-8")
    policy = policy_for(settings)
    try:
        incoming = load_appeal(json.loads(text), channel="cli", now=system_clock())
    except json.JSONDecodeError as exc:
        raise CommandError(str(exc)) from None
    except ValidationError as exc:
        raise CommandError(f"invalid appeal: {json.dumps(exc.messages, ensure_ascii=False)}") from None
    decision = policy.decide(incoming)
    output = decision.to_dict()
    if not args.explain:
        output.pop("explanation", None)
    print(json.dumps(output, ensure_ascii=False, indent=2))
    if args.explain:
        print(decision.explain_text())


def cmd_demo(args, settings):
    from webhooks.demo import post_demo_appeals

    return post_demo_appeals(args.url, args.channel, args.secret, settings=settings)


def cmd_deadline(args, settings):
    """Every clock of a policy for a receipt at --start. A clock that starts at the interim answer
    is counted from --interim when given (never past its hard cap from --start); without it the
    clock is shown as waiting, with its term in words and its cap, if any."""
    from engine.domain.businesstime import working_time_between
    from engine.domain.clockterm import term_due
    from engine.domain.deadlines import INTERIM, bounded

    policy_set = policy_for(settings)
    policy = policy_set.policies.get(args.policy)
    if policy is None:
        raise CommandError(f"unknown policy {args.policy!r}; known: {', '.join(sorted(policy_set.policies))}")
    if args.body not in policy_set.directory.bodies:
        raise CommandError(f"unknown body {args.body!r}")
    if args.special and policy.special(args.special) is None:
        known = ", ".join(s.outcome for s in policy.special_outcomes) or "none"
        raise CommandError(f"policy {policy.id} has no special outcome {args.special!r}; known: {known}")
    cal = policy_set.calendar_for(args.body)
    zone = ZoneInfo(cal.timezone)
    start = args.start.astimezone(UTC)
    interim = args.interim.astimezone(UTC) if args.interim else None
    if interim is not None and interim < start:
        raise CommandError("--interim must not be before --start")
    specs = policy.clocks_for(args.category, args.subcategory, args.special)
    if interim is not None and not any(spec.starts_from == INTERIM for spec in specs):
        raise CommandError(f"policy {policy.id} has no clock that starts at the interim answer")
    extendable = [spec for spec in specs if spec.max_extension_days]
    if args.extend and not extendable:
        raise CommandError(f"policy {policy.id} allows no extension")
    clocks = []
    for spec in specs:
        extension = args.extend if spec in extendable else 0
        if extension > spec.max_extension_days:
            raise CommandError(f"policy {policy.id} allows at most {spec.max_extension_days} days of extension")
        cap = spec.cap_at(start)
        line = {"kind": spec.kind, "basis": spec.basis, "amount": spec.amount + extension,
                "extension_days": extension, "starts_from": spec.starts_from, "term": spec.describe(),
                "cap": cap.astimezone(zone).isoformat() if cap else None, "cap_utc": cap.isoformat() if cap else None}
        begins = interim if spec.starts_from == INTERIM else start
        if begins is None:  # waits for an interim answer that --interim did not give
            clocks.append({**line, "starts": None, "due": None, "due_utc": None, "working_seconds": None})
            continue
        due = bounded(term_due(spec.basis, spec.amount, begins, cal, on_non_working=spec.on_non_working,
                               extension_days=extension), cap)
        clocks.append({
            **line,
            "starts": begins.astimezone(zone).isoformat(),
            "due": due.astimezone(zone).isoformat(),
            "due_utc": due.astimezone(UTC).isoformat(),
            "working_seconds": int(working_time_between(begins, due, cal).total_seconds()),
        })
    if args.json:
        print(json.dumps({"policy": policy.id, "clocks": clocks}, ensure_ascii=False))
        return 0
    print(f"{policy.id}: {policy.title} (version {policy.version}, calendar {cal.version}, {cal.timezone})")
    print(f"start {start.astimezone(zone).isoformat()}")
    if interim is not None:
        print(f"interim answer {interim.astimezone(zone).isoformat()}")
    for c in clocks:
        if c["due"] is None:
            cap = f"; due no later than {c['cap']}" if c["cap"] else ""
            print(f"  {c['kind']:<15} {c['term']}: not started (give --interim to count it){cap}")
            continue
        hours = c["working_seconds"] / 3600
        after = " after the interim answer" if c["starts_from"] == INTERIM else ""
        print(f"  {c['kind']:<15} {c['amount']} {c['basis']:<14}{after} due {c['due']}  (UTC {c['due_utc']}; "
              f"{hours:.1f} working hours)")
