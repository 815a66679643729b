"""Serving HTTP for `appeals serve` and `appeals run`: gunicorn where it runs (Linux and other
POSIX systems), werkzeug's threaded server only where it cannot (Windows, or gunicorn missing).

Under gunicorn the app is built in each worker process after the fork (its own database pool and
rules engine). `appeals run` also needs the background worker: gunicorn's master starts
`appeals worker` as a child process once it listens and stops it when it exits; the child stops by
itself should the master die without a word.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

WORKER_STOP_SECONDS = 20

# The worker's routing thread decides on the CPU while its sending thread writes what each reply came to.
# A thread gives the interpreter up for every SQLite call and, after it, waits to get it back for up to the
# switch interval (5 ms by default) — still holding the database's write turn, for which every webhook of
# every server process then waits. A short interval in a SQLite worker only: at a steady 200 webhooks/s the
# webhook p99 went 21–35 ms → 11–13 ms (BENCHMARKS.md), routing as fast as before. PostgreSQL has no such
# turn, and there the short interval cost the worker about a tenth of its routing rate: its default stays.
WORKER_SWITCH_INTERVAL = 0.0002


def settle(rt) -> None:
    """Before a process serves or works: the published rules version loaded now rather than by the first
    request, then the process's long-lived objects kept out of the garbage collector's way (engine.heap)."""
    from engine import heap
    from engine.services.database import connection

    try:
        with connection():
            rt.policy_source.refresh()
    except Exception as exc:  # no tables yet: the folder's rules serve until a version is published
        log.warning("the published rules version is not loaded yet: %s", exc)
    heap.settle()


def give_way_to_webhooks(nice: int) -> None:
    """The worker's process runs at a lower CPU priority than the server's (its niceness raised by `nice`,
    APPEALS_WORKER_NICE), before it starts a thread (each inherits it): when the CPUs are short, a webhook is
    answered first and routing takes what is left, instead of both slowing down. The bench: on SQLite,
    ingest while the worker routes 0.25 → 0.41 × hello-world, with appeals routed a second unchanged
    (BENCHMARKS.md). An idle machine gives the worker all it asks either way."""
    if nice and hasattr(os, "nice"):
        os.nice(nice)


def settle_worker(rt) -> None:
    """`settle`, and on SQLite the worker's threads hand the interpreter over briskly (WORKER_SWITCH_INTERVAL);
    on a PostgreSQL server without autovacuum, a warning."""
    from engine.services.database import autovacuum_off, is_sqlite

    settle(rt)
    if is_sqlite():
        sys.setswitchinterval(WORKER_SWITCH_INTERVAL)
    elif autovacuum_off():
        log.warning("PostgreSQL runs with autovacuum off: rows the worker moves on (routed appeals, sent replies) "
                    "stay in the tables and their indexes, and the planner has no statistics, so polling for "
                    "work slows as they grow; turn autovacuum on, or run VACUUM ANALYZE regularly "
                    "(docs/operations.md)")


def gunicorn_available() -> bool:
    if os.name != "posix":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def serve_gunicorn(load_app: Callable[[], object], host: str, port: int, *, workers: int, threads: int,
                   with_worker: bool = False) -> None:
    """Serve `load_app()` with gunicorn (`-k gthread`) until it is stopped (SIGTERM, SIGINT)."""
    from gunicorn.app.base import BaseApplication

    companion: list[subprocess.Popen] = []

    def when_ready(server) -> None:
        if with_worker:
            command = [sys.executable, "-m", "webhooks.cli", "worker", "--parent-pid", str(os.getpid())]
            companion.append(subprocess.Popen(command))

    def on_exit(server) -> None:
        for process in companion:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=WORKER_STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()

    options = {
        "bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": threads,
        "accesslog": None, "errorlog": "-", "loglevel": "warning", "keepalive": 5, "timeout": 60,
        "when_ready": when_ready, "on_exit": on_exit,
    }

    class Server(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            app = load_app()
            settle(app.extensions["appeals_runtime"])
            return app

    Server().run()


def serve_werkzeug(app, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    log.warning("gunicorn cannot run here: serving with werkzeug's development server")
    run_simple(host, port, app, threaded=True, use_reloader=False)
