"""Running the service: `appeals serve|run|worker|db migrate|sweep|demo`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from webhooks import serving

from . import CommandError, parse_instant, runtime_for

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)
FUTURE_SLACK = timedelta(minutes=5)  # a --now this close to the wall clock is not "the future"


def register(sub) -> None:
    for name, help_text, handler in (
        ("serve", "HTTP API", cmd_serve),
        ("run", "HTTP API and the worker in one process", cmd_run),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8080)
        p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        p.add_argument("--threads", type=int, default=4, help="threads per worker process (default 4)")
        p.set_defaults(handler=handler)
    p = sub.add_parser("worker", help="the scheduler: routing, escalation sweep, delivery")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # `appeals run`'s server: stop when it is gone
    p.add_argument("--sending", action="store_true", help=argparse.SUPPRESS)  # the worker's sending process
    p.set_defaults(handler=cmd_worker)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending migrations (idempotent)").set_defaults(handler=cmd_db)

    p = sub.add_parser("sweep", help="run routing retries, the escalation sweep and delivery once")
    p.add_argument("--now", type=parse_instant, help="the instant to sweep at (ISO 8601 with offset)")
    p.add_argument("--no-deliver", action="store_true", help="write alerts to the outbox but do not send")
    p.add_argument("--dry-run", action="store_true",
                   help="show what routing and the sweep would do at --now, then roll it all back (nothing sent)")
    p.add_argument("--i-know-this-writes", action="store_true",
                   help="allow a --now in the future to write to the database for real")
    p.set_defaults(handler=cmd_sweep)

    p = sub.add_parser("demo", help="post realistic signed demo appeals to a running service")
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--channel", default="demo")
    p.add_argument("--secret", default="demo-secret")
    p.set_defaults(handler=cmd_demo)


def start_worker_thread(rt: Runtime) -> threading.Event:
    from engine.scheduler import run_forever

    stop = threading.Event()
    threading.Thread(target=run_forever, args=(rt, stop), name="worker", daemon=True).start()
    return stop


def _migrate_now(rt: Runtime) -> list[int]:
    from engine.services.database import migrate_database

    return migrate_database(rt.now())


def adopt_rules_folder(rt: Runtime) -> None:
    """The rules folder becomes version 0 at the first start (nothing happens once versions exist), so
    the first publish can be rolled back. Skipped with a warning while the database is not migrated."""
    from engine.services.database import connection
    from engine.services.rules.versions import adopt_folder

    try:
        with connection():
            adopted = adopt_folder(rt.policy_set, rt.now())
    except Exception as exc:  # no tables yet: `appeals db migrate` has not run
        log.warning("the rules folder is not stored as version 0 yet: %s", exc)
        return
    if adopted:
        log.info("the rules folder is stored as rules version %s", adopted["id"])


def cmd_db(args, settings):
    rt = runtime_for(settings)
    applied = _migrate_now(rt)
    print(f"применены миграции: {applied}" if applied else "база данных в актуальном состоянии")


def cmd_serve(args, settings):
    _serve(args, settings, with_worker=False)


def cmd_run(args, settings):
    _serve(args, settings, with_worker=True)


def _serve(args, settings, *, with_worker: bool) -> None:
    """gunicorn with `--workers` processes of `--threads` threads; `appeals run` adds the worker as a
    child process. Where gunicorn cannot run: werkzeug, and the worker on a thread."""
    from engine.services.database import close_database
    from webhooks import create_app

    rt = runtime_for(settings)  # the rules are checked before anything listens
    if with_worker:
        _migrate_now(rt)
    adopt_rules_folder(rt)
    if not serving.gunicorn_available():
        stop = start_worker_thread(rt) if with_worker else None
        try:
            serving.serve_werkzeug(create_app(rt), args.host, args.port)
        finally:
            if stop is not None:
                stop.set()
        return
    close_database()  # each worker process opens its own connections after the fork
    serving.serve_gunicorn(lambda: create_app(runtime_for(settings)), args.host, args.port,
                           workers=max(args.workers, 1), threads=max(args.threads, 1), with_worker=with_worker)


def cmd_worker(args, settings):
    from engine.scheduler import run_forever

    if args.sending:
        return _sending(args, settings)
    serving.give_way_to_webhooks(settings.worker_nice)  # before any thread starts: each inherits it
    rt = runtime_for(settings)
    adopt_rules_folder(rt)
    serving.settle_worker(rt)
    stop = _stop_signals(args)
    sender = serving.SendingProcess() if serving.separate_sending(settings) else None
    if sender is not None:
        sender.start()
        threading.Thread(target=_watch, args=(sender, stop), name="sending-watch", daemon=True).start()
    try:
        _until_stopped(lambda: run_forever(rt, stop, sending=sender is None), stop)
    finally:
        if sender is not None:
            sender.stop()


def _sending(args, settings) -> None:
    """The worker's sending process (`appeals worker --sending`): it has the worker's priority already."""
    from engine.scheduler import run_sending

    rt = runtime_for(settings)
    serving.settle_worker(rt, warn=False)  # the worker warns of what the database lacks
    stop = _stop_signals(args)
    _until_stopped(lambda: run_sending(rt, stop), stop)


def _stop_signals(args) -> threading.Event:
    """Set by SIGTERM, or when the parent this process was started by (`--parent-pid`) is gone."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.parent_pid:
        threading.Thread(target=_stop_without_parent, args=(args.parent_pid, stop), daemon=True).start()
    return stop


def _until_stopped(run, stop: threading.Event) -> None:
    try:
        run()
    except KeyboardInterrupt:
        stop.set()


def _watch(sender, stop: threading.Event) -> None:
    while not stop.wait(serving.SENDING_WATCH_SECONDS):
        try:
            sender.keep_running()
        except Exception:  # cannot start a process just now (out of memory, say): tried again next time
            log.exception("the sending process could not be started")


def _stop_without_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:
            stop.set()


def cmd_sweep(args, settings):
    from engine.jobs import rehearse, run_job
    from engine.runtime import system_clock

    fixed = args.now.astimezone(UTC) if args.now else None
    if fixed and fixed > system_clock() + FUTURE_SLACK and not (args.dry_run or args.i_know_this_writes):
        raise CommandError(
            f"--now {args.now:%d.%m.%Y %H:%M} — это будущее: сроки, нарушенные к этому моменту, и оповещения "
            "останутся в рабочей базе навсегда. Посмотреть, что произойдёт, без записи: --dry-run; "
            "если запись действительно нужна (например, в копии базы): --i-know-this-writes")
    rt = runtime_for(settings, clock=(lambda: fixed) if fixed else None)
    if args.dry_run:
        results = rehearse(rt, ["route", "sweep"])
    else:
        names = ["route", "sweep"] + ([] if args.no_deliver else ["reply", "deliver"])
        results = {name: run_job(rt, name) for name in names}
    report = {name: (vars(r) if hasattr(r, "__dict__") else r) for name, r in results.items()}
    print(json.dumps({"now": rt.now().isoformat(), **({"dry_run": True} if args.dry_run else {}), **report},
                     ensure_ascii=False))
    return 0 if all(r is not None for r in results.values()) else 1


def cmd_demo(args, settings):
    from webhooks.demo import post_demo_appeals

    return post_demo_appeals(args.url, args.channel, args.secret, settings=settings)
