"""Staff search speed over 100,000 appeals: one page of 50 with its total, on SQLite (FTS5 over lemmas) and
PostgreSQL (tsvector, `russian`).

For each database: a fresh database, one routed pit appeal cloned inside the database, one clone in a
hundred rewritten as a waste complaint (so «мусора» finds 1 %, «ямы» 99 %), the search index filled as
migration m0021 fills it on SQLite (PostgreSQL's generated column fills itself). Measured, the median of
7 runs each: a rare word, a common word, a rare word sorted by the nearest due time, a filter alone
(overdue) and a CSV export of 10,000 rows.

Usage: python bench/search.py [--size 100000] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import chosen, database_url  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.policyset import load_policy_set  # noqa: E402
from engine.services.access import Caller  # noqa: E402
from engine.services.appeal_export import export_csv  # noqa: E402
from engine.services.appeal_search import AppealSearch, every_match, search_appeals  # noqa: E402
from engine.services.intake import receive_appeal, route_appeal  # noqa: E402
from engine.store.db import close_database, database, is_postgres  # noqa: E402
from engine.store.migrations import m0021_appeal_search, migrate  # noqa: E402
from engine.store.models import AppealRecord  # noqa: E402
from tests.support.appeals import pit_appeal  # noqa: E402
from tests.support.moments import MovableClock  # noqa: E402
from tests.support.seeding import seed_open_appeals  # noqa: E402

CENTRE = Caller(token_id=None, role="manager", label=None, user="bench")
RUNS = 7


def median_ms(action) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def run_one(url: str, size: int, policy, workdir: Path) -> dict:
    clock = MovableClock(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    rt = bootstrap(Settings.from_env({}, database_url=url, rules_dir=ROOT / "rules", mail_dir=workdir / "mail"),
                   clock=clock, policy_set=policy, senders={})
    database.connect(reuse_if_open=True)
    try:
        migrate(clock())
        received = receive_appeal(rt, pit_appeal(clock, "bench-search"), "{}", actor="bench")
        assert route_appeal(rt, received.appeal_id)
        started = time.perf_counter()
        seed_open_appeals(received.appeal_id, total=size - 1, due=size // 10)
        with database.atomic():
            AppealRecord.update(text="Не вывозят мусор, контейнеры переполнены").where(
                AppealRecord.id - AppealRecord.id / 100 * 100 == 0).execute()  # every hundredth
            m0021_appeal_search.apply(database)
        if is_postgres():
            database.execute_sql("ANALYZE")
        seeded = time.perf_counter() - started
        clock.set(clock() + timedelta(days=40))
        figures = {"seed_s": seeded}
        for name, search in (("rare word", AppealSearch(q="мусора")), ("common word", AppealSearch(q="ямы")),
                             ("rare word, by due", AppealSearch(q="мусора", sort="due")),
                             ("overdue filter", AppealSearch(overdue=True))):
            figures[name], found = median_ms(lambda s=search: search_appeals(rt, CENTRE, s))
            figures[name + " total"] = found.total
        figures["csv 10k"], _ = median_ms(lambda: export_csv(rt, every_match(rt, CENTRE, AppealSearch(q="ямы"),
                                                                             limit=10_000)))
        return figures
    finally:
        close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    policy = load_policy_set(ROOT / "rules")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in chosen(args.only):
            with database_url(backend, Path(tmp), "search") as url:
                if url is None:
                    continue
                result = run_one(url, args.size, policy, Path(tmp))
            print(f"{backend:8} {args.size:,} appeals (seeded and indexed in {result.pop('seed_s'):.0f} s), "
                  f"median of {RUNS} ms:", flush=True)
            for name, value in result.items():
                if not name.endswith(" total"):
                    total = result.get(name + " total")
                    print(f"  {name:20} {value:8.1f} ms" + (f"  ({total:,} found)" if total is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
