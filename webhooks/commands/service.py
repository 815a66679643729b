"""Running the service: `appeals serve|run|worker|db migrate|sweep|demo`."""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC
from typing import TYPE_CHECKING

from . import parse_instant, runtime_for

if TYPE_CHECKING:
    from engine.runtime import Runtime


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

    p = sub.add_parser("demo", help="post realistic signed demo appeals to a running service")
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--channel", default="demo")
    p.add_argument("--secret", default="demo-secret")
    p.set_defaults(handler=cmd_demo)


def serve(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


def start_worker_thread(rt: Runtime) -> threading.Event:
    from engine.scheduler import run_forever

    stop = threading.Event()
    threading.Thread(target=run_forever, args=(rt, stop), name="worker", daemon=True).start()
    return stop


def _migrate_now(rt: Runtime) -> list[int]:
    from engine.services.database import migrate_database

    return migrate_database(rt.now())


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
    names = ["route", "sweep"] + ([] if args.no_deliver else ["reply", "deliver"])
    results = {name: run_job(rt, name) for name in names}
    report = {name: (vars(r) if hasattr(r, "__dict__") else r) for name, r in results.items()}
    print(json.dumps({"now": rt.now().isoformat(), **report}, ensure_ascii=False))
    return 0 if all(r is not None for r in results.values()) else 1


def cmd_demo(args, settings):
    from webhooks.demo import post_demo_appeals

    return post_demo_appeals(args.url, args.channel, args.secret, settings=settings)
