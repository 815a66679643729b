"""Instructions, not seconds: what routing and receiving cost, counted by valgrind's callgrind, for changes
too small to see through a machine whose speed drifts (BENCHMARKS.md, «Seventh pass»).

routing:   a SQLite file gets --before bench appeals routed and --appeals more waiting (the webhook payloads
           of bench/pipeline.py, received in process); the worker's `route_pending` routes a copy of it, with
           counting switched on only around that call (a first batch of 50 routed before, uncounted).
receiving: --appeals signed webhooks through the WSGI app in one process, one thread (werkzeug's test environ
           is built for each and counted too); 100 before them uncounted.
sending:   the acknowledgements of --appeals routed appeals (after --before routed and acknowledged) sent by
           the worker's reply job, as e-mails written to the mail folder (a first page of 50, uncounted).

Prints the instructions in all and per appeal. Two runs of the same code differ by about 0.05 %; run each
tree once or twice and compare. Needs valgrind (Debian's package); without it, says so and counts nothing.

Usage: python bench/instructions.py [routing|receiving|sending] [--appeals 950] [--before 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import set_up_service, signed_headers  # noqa: E402
from bench.pipeline import payload  # noqa: E402


def environment(folder: Path, database: Path) -> dict:
    return {**os.environ, "APPEALS_DATABASE_URL": f"sqlite:///{database}", "APPEALS_RULES_DIR": str(ROOT / "rules"),
            "APPEALS_MAIL_DIR": str(folder / "mail"), "APPEALS_LOG_LEVEL": "WARNING",
            "APPEALS_ENCRYPTION_KEY_FILE": str(folder / "encryption.key"), "PYTHONPATH": str(ROOT)}


def prepare(folder: Path, *, before: int, waiting: int, routed: bool = False) -> Path:
    """A migrated SQLite file with the bench channel, `before` appeals routed (their acknowledgements sent) and
    `waiting` received (`routed`: routed too, their acknowledgements waiting to be sent)."""
    database = folder / "prepared.db"
    env = environment(folder, database)
    set_up_service(env)
    os.environ.update(env)
    from engine.config import Settings
    from engine.services.intake import receive_appeal
    from engine.services.reply_delivery import deliver_replies
    from engine.services.routing import route_pending
    from engine.store.db import close_database, connection
    from engine.store.db import database as db
    from webhooks.channels.generic import load_appeal
    from webhooks.commands import runtime_for

    rt = runtime_for(Settings.from_env())
    with connection():
        for tag, count in (("before", before), ("waiting", waiting)):
            for n in range(count):
                raw = payload(tag, n)
                incoming = load_appeal(json.loads(raw), channel="bench", now=rt.now())
                receive_appeal(rt, incoming, raw.decode(), actor="channel:bench")
            if tag == "before" or routed:
                route_pending(rt)
            if tag == "before":
                deliver_replies(rt)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_database()
    return database


def counted(part: str, folder: Path, database: Path, appeals: int) -> tuple[int, int]:
    """Run this script's measuring side under callgrind: (instructions counted, appeals)."""
    out = folder / f"callgrind.{part}"
    env = environment(folder, database)
    run = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                          sys.executable, __file__, part, "--measure", str(database), "--appeals", str(appeals)],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    done = int(run.stdout.strip().splitlines()[-1])
    totals = re.findall(r"^totals: (\d+)", out.read_text(), re.MULTILINE)  # the header's "summary" is 0
    return int(totals[-1]), done


def counting(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], check=True,
                   capture_output=True)


def measure_routing() -> int:
    from engine.config import Settings
    from engine.services.routing import route_batch, route_pending
    from engine.store.db import connection
    from webhooks.commands import runtime_for

    rt = runtime_for(Settings.from_env())
    with connection():
        route_batch(rt, limit=50)  # the first statements built, the caches filled: not counted
        counting(True)
        done = route_pending(rt)
        counting(False)
    return done


def measure_sending() -> int:
    from datetime import timedelta

    from engine.config import Settings
    from engine.services.reply_delivery import deliver_replies
    from engine.store.db import connection
    from engine.store.models import AuthorMessageRecord
    from webhooks.commands import runtime_for

    rt = runtime_for(Settings.from_env())
    with connection():
        # 50 sent first, uncounted (the statements built, the caches filled): the others held back meanwhile
        waiting = AuthorMessageRecord.status == "pending"
        first = AuthorMessageRecord.select(AuthorMessageRecord.id).where(waiting).order_by(AuthorMessageRecord.id)
        held = AuthorMessageRecord.id.not_in([m.id for m in first.limit(50)])
        AuthorMessageRecord.update(next_attempt_at=rt.now() + timedelta(days=1)).where(waiting & held).execute()
        warm = deliver_replies(rt)
        AuthorMessageRecord.update(next_attempt_at=rt.now()).where(waiting).execute()
        counting(True)
        report = deliver_replies(rt)
        counting(False)
    if warm.sent != 50 or report.failed or report.dead:
        raise RuntimeError(f"the acknowledgements were not sent: {warm}, {report}")
    return report.sent


def measure_receiving(appeals: int) -> int:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from webhooks.wsgi import app

    def post(body: bytes) -> None:
        builder = EnvironBuilder(path="/webhooks/generic/bench", method="POST", data=body,
                                 headers=signed_headers(body))
        environ = builder.get_environ()
        builder.close()
        chunks, status, _ = run_wsgi_app(app, environ)
        b"".join(chunks)
        if not status.startswith("202"):
            raise RuntimeError(f"webhook answered {status}")

    for n in range(100):
        post(payload("warm", n))
    bodies = [payload("counted", n) for n in range(appeals)]
    counting(True)
    for body in bodies:
        post(body)
    counting(False)
    return appeals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", default="routing", choices=("routing", "receiving", "sending"))
    parser.add_argument("--appeals", type=int, default=950, help="appeals routed, or webhooks received, counted")
    parser.add_argument("--before", type=int, default=2000, help="routing: appeals routed before, in the file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # this script under valgrind
    args = parser.parse_args()
    if args.measure:
        measured = {"routing": measure_routing, "sending": measure_sending,
                    "receiving": lambda: measure_receiving(args.appeals)}
        print(measured[args.part]())
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind): nothing counted, skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        after = args.part != "receiving"
        database = prepare(folder, before=args.before if after else 0, waiting=args.appeals + 50 if after else 0,
                           routed=args.part == "sending")
        total, done = counted(args.part, folder, database, args.appeals)
    what = {"routing": "routed (after a first batch of 50, not counted)", "receiving": "received",
            "sending": "acknowledged by e-mail (after a first page of 50, not counted)"}[args.part]
    print(f"{args.part}: {total:,} instructions for {done} appeals {what}; {total / max(done, 1):,.0f} per appeal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
