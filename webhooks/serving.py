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
SENDING_STOP_SECONDS = 15  # within WORKER_STOP_SECONDS: `appeals run` stops the worker, which stops its sender
SENDING_WATCH_SECONDS = 2.0  # how often the worker looks whether its sending process still runs

# The worker's threads (routing and, with APPEALS_SENDING=thread, sending; the simulations) share one
# interpreter, as the sending process's do. A thread gives the interpreter up for every SQLite call and,
# after it, waits to get it back for up to the switch interval (5 ms by default) — still holding the
# database's write turn, for which every webhook of every server process then waits. A short interval in
# a SQLite worker only: at a steady 200 webhooks/s the webhook p99 went 21–35 ms → 11–13 ms (BENCHMARKS.md),
# routing as fast as before. PostgreSQL has no such turn, and there the short interval cost the worker
# about a tenth of its routing rate: its default stays.
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


class SendingProcess:
    """The worker's sending jobs in a process of their own (APPEALS_SENDING=process): `appeals worker --sending
    --parent-pid <worker>`, which stops by itself should the worker vanish. On one interpreter the worker's
    routing and sending took turns; apart, after a burst both CPUs work (SQLite bench, three alternating runs
    each: routed/s 0.15–0.17 → 0.19–0.23 × hello-world, acknowledged/s 0.13–0.15 → 0.17–0.19, ingest as
    before; BENCHMARKS.md). Started again when it dies; stopped with the worker, given SENDING_STOP_SECONDS
    to record a send in progress."""

    def __init__(self):
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_worker_child("--sending")

    def keep_running(self) -> None:
        """Start it again when it has died (logged: replies and alerts wait meanwhile)."""
        if self.process is not None and self.process.poll() is not None:
            log.error("the sending process stopped (exit status %s): starting it again", self.process.returncode)
            self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop_child(self.process, SENDING_STOP_SECONDS, "the sending process")


def start_worker_child(*flags: str) -> subprocess.Popen:
    """`appeals worker` with `flags` as a child of this process, which it watches: it stops by itself when this
    process is gone (`--parent-pid`)."""
    return subprocess.Popen([sys.executable, "-m", "webhooks.cli", "worker", *flags, "--parent-pid",
                             str(os.getpid())])


def stop_child(process: subprocess.Popen, seconds: float, what: str) -> None:
    """SIGTERM, `seconds` to finish what it is doing (a batch, a send), then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        log.error("%s did not stop within %s s: killed", what, seconds)
        process.kill()
        process.wait()


def separate_sending(settings) -> bool:
    """Whether the worker sends from a process of its own (APPEALS_SENDING=process, where processes fork)."""
    return settings.sending == "process" and os.name == "posix"


def settle_worker(rt, *, warn: bool = True) -> None:
    """`settle`, and on SQLite the worker's threads hand the interpreter over briskly (WORKER_SWITCH_INTERVAL);
    on a PostgreSQL server without autovacuum, a warning (unless `warn` is false: the worker's sending
    process leaves it to the worker)."""
    from engine.services.database import autovacuum_off, is_sqlite

    settle(rt)
    if is_sqlite():
        sys.setswitchinterval(WORKER_SWITCH_INTERVAL)
    elif warn and autovacuum_off():
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
            companion.append(start_worker_child())

    def on_exit(server) -> None:
        for process in companion:
            stop_child(process, WORKER_STOP_SECONDS, "the worker")

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
