"""What each `appeals` subcommand does; parsing lives in cli.py."""

from __future__ import annotations

import json
import signal
import sys
import threading
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.config import Settings


class CommandError(Exception):
    pass


def _runtime(settings: Settings, clock=None):
    from engine.bootstrap import bootstrap
    from engine.policyset import PolicySetError

    try:
        return bootstrap(settings, clock=clock)
    except PolicySetError as exc:
        raise CommandError(f"rules cannot be loaded: {exc}") from None


def _migrate_now(rt) -> list[int]:
    from engine.store.db import connection
    from engine.store.migrations import migrate

    with connection():
        return migrate(rt.now())


def cmd_db(args, settings):
    rt = _runtime(settings)
    applied = _migrate_now(rt)
    print(f"migrations applied: {applied}" if applied else "database is up to date")


def cmd_serve(args, settings):
    from webhooks import create_app

    from .cli import serve

    rt = _runtime(settings)
    serve(create_app(rt), args.host, args.port)


def cmd_worker(args, settings):
    from engine.scheduler import run_forever

    rt = _runtime(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_forever(rt, stop)
    except KeyboardInterrupt:
        stop.set()


def cmd_run(args, settings):
    from webhooks import create_app

    from .cli import serve, start_worker_thread

    rt = _runtime(settings)
    _migrate_now(rt)
    stop = start_worker_thread(rt)
    try:
        serve(create_app(rt), args.host, args.port)
    finally:
        stop.set()


def cmd_sweep(args, settings):
    from engine.jobs import run_job

    fixed = args.now.astimezone(UTC) if args.now else None
    rt = _runtime(settings, clock=(lambda: fixed) if fixed else None)
    names = ["route", "sweep"] + ([] if args.no_deliver else ["deliver"])
    results = {name: run_job(rt, name) for name in names}
    report = {name: (vars(r) if hasattr(r, "__dict__") else r) for name, r in results.items()}
    print(json.dumps({"now": rt.now().isoformat(), **report}, ensure_ascii=False))
    return 0 if all(r is not None for r in results.values()) else 1


def cmd_route(args, settings):
    from marshmallow import ValidationError

    from engine.bootstrap import system_clock
    from engine.policyset import PolicySetError, load_policy_set
    from webhooks.channels.generic import GenericAppealSchema

    text = sys.stdin.read() if args.json_file == "-" else Path(args.json_file).read_text(encoding="utf-8")
    try:
        policy = load_policy_set(settings.rules_dir)
        incoming = GenericAppealSchema(channel="cli", now=system_clock()).load(json.loads(text))
    except (PolicySetError, json.JSONDecodeError) as exc:
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
    from .demo import post_demo_appeals

    return post_demo_appeals(args.url, args.channel, args.secret)


def cmd_channel(args, settings):
    from engine.services import access
    from engine.store import access as store
    from engine.store.db import connection

    rt = _runtime(settings)
    with connection():
        if args.channel_command == "list":
            for ch in store.list_channels():
                print(f"{ch.name}\t{ch.kind}\tcreated {ch.created_at.isoformat()}")
            return 0
        try:
            if args.channel_command == "add":
                if args.if_missing and store.get_channel(args.name):
                    print(f"channel {args.name} exists")
                    return 0
                secret = access.add_channel(rt.now(), args.name, args.kind, args.secret, args.confirmation)
                print(f"channel {args.name} ({args.kind}) added")
                if not args.secret:  # a generated secret is shown once, never again
                    print(secret)
            else:
                secret = access.rotate_channel_secret(rt.now(), args.name, args.secret)
                print(f"channel {args.name}: new secret active; the old one works for 24 hours")
                if not args.secret:
                    print(secret)
        except access.AccessError as exc:
            raise CommandError(str(exc)) from None


def cmd_token(args, settings):
    from engine.services import access
    from engine.store.db import connection

    rt = _runtime(settings)
    with connection():
        token = access.create_token(rt.now(), args.role, args.label, args.ttl_days)
    print(f"token for role {args.role} (shown once; store it now):")
    print(token)


def cmd_deadline(args, settings):
    from engine.domain.businesstime import working_time_between
    from engine.domain.deadlines import clock_due
    from engine.policyset import PolicySetError, load_policy_set

    try:
        policy_set = load_policy_set(settings.rules_dir)
    except PolicySetError as exc:
        raise CommandError(str(exc)) from None
    policy = policy_set.policies.get(args.policy)
    if policy is None:
        raise CommandError(f"unknown policy {args.policy!r}; known: {', '.join(sorted(policy_set.policies))}")
    if args.body not in policy_set.directory.bodies:
        raise CommandError(f"unknown body {args.body!r}")
    cal = policy_set.calendar_for(args.body)
    zone = ZoneInfo(cal.timezone)
    start = args.start.astimezone(UTC)
    clocks = []
    for spec in policy.clocks:
        if args.extend and spec.kind == "answer":
            if args.extend > spec.max_extension_days:
                raise CommandError(f"policy {policy.id} allows at most {spec.max_extension_days} days of extension")
            spec = replace(spec, amount=spec.amount + args.extend)
        due = clock_due(spec, start, cal)
        clocks.append({
            "kind": spec.kind,
            "basis": spec.basis,
            "amount": spec.amount,
            "due": due.astimezone(zone).isoformat(),
            "due_utc": due.astimezone(UTC).isoformat(),
            "working_seconds": int(working_time_between(start, due, cal).total_seconds()),
        })
    if args.json:
        print(json.dumps({"policy": policy.id, "clocks": clocks}, ensure_ascii=False))
        return 0
    print(f"{policy.id}: {policy.title} (version {policy.version}, calendar {cal.version}, {cal.timezone})")
    print(f"start {start.astimezone(zone).isoformat()}")
    for c in clocks:
        hours = c["working_seconds"] / 3600
        print(f"  {c['kind']:<15} {c['amount']} {c['basis']:<14} due {c['due']}  (UTC {c['due_utc']}; "
              f"{hours:.1f} working hours)")
