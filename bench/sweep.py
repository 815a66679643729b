"""Escalation sweep speed with 10k and with 1M open appeals, the same 10k of them due.

For each database (a SQLite file; PostgreSQL when APPEALS_BENCH_POSTGRES or the tests' server at
127.0.0.1:5432 answers) and each size: a fresh database, one routed 59-ФЗ appeal cloned inside
the database to N open appeals (answer clock, escalation state), of which 10,000, spread evenly
over the table, have their 75 % warning due. Measured:

* select: paging through every due step by the indexed next-check time (what the sweep reads);
* sweep: the whole sweep — claim, re-read, decide, write the alert and the audit line, advance —
  with the time and steps per second;
* the ratio of the 1M figures to the 10k ones (it should stay close to 1: the sweep's cost must
  follow the due steps, not the open appeals).

Usage: python bench/sweep.py [--sizes 10000,1000000] [--due 10000] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import chosen, database_url  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.policyset import load_policy_set  # noqa: E402
from engine.services.escalation import sweep  # noqa: E402
from engine.services.intake import receive_appeal, route_appeal  # noqa: E402
from engine.store import escalations  # noqa: E402
from engine.store.db import close_database, database  # noqa: E402
from engine.store.migrations import migrate  # noqa: E402
from engine.store.models import AlertRecord  # noqa: E402
from tests.support.appeals import pit_appeal  # noqa: E402
from tests.support.moments import MovableClock, at  # noqa: E402
from tests.support.seeding import seed_open_appeals  # noqa: E402

SWEEP_AT = "Thu 2026-12-24 10:00 +0700"


def run_one(url: str, size: int, due: int, policy, workdir: Path) -> dict:
    clock = MovableClock(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))  # Mon 10:00 Barnaul
    # the sweep runs long after the steps fell due: catch-up letters would fold them, and this measures steps
    rt = bootstrap(Settings.from_env({}, database_url=url, rules_dir=ROOT / "rules", mail_dir=workdir / "mail",
                                     catchup_minutes=60 * 24 * 365),
                   clock=clock, policy_set=policy, senders={})
    database.connect(reuse_if_open=True)
    try:
        migrate(clock())
        received = receive_appeal(rt, pit_appeal(clock, f"bench-{size}"), "{}", actor="bench")
        assert route_appeal(rt, received.appeal_id)
        started = time.perf_counter()
        seed_open_appeals(received.appeal_id, total=size - 1, due=due - 1)
        if url.startswith("postgresql"):
            database.execute_sql("ANALYZE")
        seeded = time.perf_counter() - started
        clock.set(at(SWEEP_AT))
        now = clock()

        started = time.perf_counter()
        cursor, selected = None, 0
        while due_rows := escalations.due_steps(now, after=cursor, limit=200):
            selected += len(due_rows)
            cursor = due_rows[-1]
        select_seconds = time.perf_counter() - started

        started = time.perf_counter()
        report = sweep(rt)
        sweep_seconds = time.perf_counter() - started
        assert report.steps == due == selected, (report, selected)
        assert AlertRecord.select().where(AlertRecord.clock.is_null(False)).count() == due
        return {"seed_s": seeded, "select_s": select_seconds, "sweep_s": sweep_seconds,
                "steps_per_s": report.steps / sweep_seconds}
    finally:
        close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    policy = load_policy_set(ROOT / "rules")
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in chosen(args.only):
            for size in sizes:
                with database_url(backend, Path(tmp), f"sweep-{size}") as url:
                    if url is None:
                        break
                    result = run_one(url, size, args.due, policy, Path(tmp))
                results[(backend, size)] = result
                print(f"{backend:8} {size:>9,} open, {args.due:,} due: seeded in {result['seed_s']:.1f} s; "
                      f"select {result['select_s']:.3f} s; sweep {result['sweep_s']:.1f} s = "
                      f"{result['steps_per_s']:.0f} steps/s", flush=True)
    for backend in ("sqlite", "postgres"):
        if (backend, sizes[0]) in results and (backend, sizes[-1]) in results and len(sizes) > 1:
            small, large = results[(backend, sizes[0])], results[(backend, sizes[-1])]
            select_ratio = large["select_s"] / small["select_s"]
            sweep_ratio = large["sweep_s"] / small["sweep_s"]
            print(f"{backend:8} ratio {sizes[-1]:,} / {sizes[0]:,}: select {select_ratio:.2f}, sweep {sweep_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
