"""Deadline arithmetic and recompute speed.

1. Due-time computations per second for a calendar-day term (59-ФЗ answer, 30 days), a
   working-day term (incident final answer, 7 working days) and a working-hour term (incident
   first response, 9 working hours), from start times spread over 2026 at random minutes.
2. Time to recompute N open clocks (default 100,000) after a calendar change (one extra day off),
   on a SQLite file in a temporary directory; every clock has an escalation row, so each moved
   clock is updated, audited and re-armed.

Usage: python bench/deadlines.py [--clocks N] [--computations N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.bootstrap import bootstrap  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.domain.deadlines import clock_due  # noqa: E402
from engine.policyset import load_policy_set  # noqa: E402

CHUNK = 2000


def computations(policy_set, count: int) -> list[tuple[str, float]]:
    cal = policy_set.calendar_for("barnaul-roads-committee")
    cases = [
        ("calendar days (fz59 answer, 30)", policy_set.policies["fz59"].clock("answer")),
        ("working days (incident final answer, 7)", policy_set.policies["incident"].clock("final_answer")),
        ("working hours (incident first response, 9)", policy_set.policies["incident"].clock("first_response")),
    ]
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(0, 330 * 24 * 60)) for _ in range(count)]
    results = []
    for title, spec in cases:
        began = time.perf_counter()
        for start in starts:
            clock_due(spec, start, cal)
        results.append((title, count / (time.perf_counter() - began)))
    return results


def seed(rt, total: int) -> None:
    """One routed 59-ФЗ appeal, cloned with answer clocks started on 60 different days."""
    from engine.domain.appeal import Author, IncomingAppeal
    from engine.services.intake import receive_appeal, route_appeal
    from engine.store.db import database
    from engine.store.models import AppealRecord, ClockRecord, EscalationRecord

    incoming = IncomingAppeal(channel="portal", external_id="bench", text="На ул. Попова огромные ямы",
                              received_at=rt.now(), author=Author(name="Анна Кравцова", type="citizen"),
                              municipality="barnaul", category="roads", fz59=True, regime="fz59")
    appeal_id = receive_appeal(rt, incoming, "{}", actor="bench").appeal_id
    route_appeal(rt, appeal_id)
    appeal = AppealRecord.get_by_id(appeal_id)
    clock = ClockRecord.get((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == "answer"))
    state = EscalationRecord.get(EscalationRecord.clock == clock.id)
    spec = rt.policy_set.policies["fz59"].clock("answer")
    cal = rt.policy_set.calendar_for(clock.body)
    starts = [clock.started_at + timedelta(days=d) for d in range(60)]
    dues = [clock_due(spec, s, cal) for s in starts]
    appeal_data = {k: v for k, v in appeal.__data__.items() if k != "id"}
    clock_data = {k: v for k, v in clock.__data__.items() if k not in ("id", "appeal")}
    state_data = {k: v for k, v in state.__data__.items() if k not in ("id", "clock")}
    for first in range(0, total, CHUNK):
        numbers = range(first, min(first + CHUNK, total))
        with database.atomic():
            AppealRecord.insert_many([{**appeal_data, "id": 10 + i, "external_id": f"bench-{i}"}
                                      for i in numbers]).execute()
            ClockRecord.insert_many([{**clock_data, "id": 10 + i, "appeal": 10 + i, "started_at": starts[i % 60],
                                      "due_at": dues[i % 60]} for i in numbers]).execute()
            EscalationRecord.insert_many([{**state_data, "id": 10 + i, "clock": 10 + i} for i in numbers]).execute()


def recompute_after_calendar_change(total: int) -> dict:
    from engine.services.recompute import recompute
    from engine.store.db import close_database, database
    from engine.store.migrations import migrate

    with tempfile.TemporaryDirectory() as tmp:
        now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
        settings = Settings.from_env({}, database_url=f"sqlite:///{tmp}/bench.db", rules_dir=ROOT / "rules",
                                     mail_dir=Path(tmp) / "mail")
        rt = bootstrap(settings, clock=lambda: now, policy_set=load_policy_set(ROOT / "rules"))
        database.connect(reuse_if_open=True)
        migrate(now)
        began = time.perf_counter()
        seed(rt, total)
        seeded = time.perf_counter() - began
        production = rt.policy_set.production
        extra = date(2027, 1, 13)  # a Wednesday on which some answers fall due
        rt.policy_set = replace(rt.policy_set, production=replace(production, days_off=production.days_off | {extra},
                                                          version=production.version + "+bench"))
        began = time.perf_counter()
        report = recompute(rt, actor="bench", reason="extra day off 2027-01-13")
        elapsed = time.perf_counter() - began
        close_database()
    return {"clocks": report.examined, "moved": report.moved, "repinned": report.repinned,
            "seconds": elapsed, "seed_seconds": seeded}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--computations", type=int, default=20_000)
    args = parser.parse_args()
    policy_set = load_policy_set(ROOT / "rules")
    print(f"due-time computations ({args.computations} random starts in 2026, municipal office hours):")
    for title, rate in computations(policy_set, args.computations):
        print(f"  {title:<45} {rate:>10,.0f} per second")
    result = recompute_after_calendar_change(args.clocks)
    print(f"recompute after a calendar change (SQLite file, {result['clocks']:,} open clocks with escalation rows):")
    print(f"  {result['seconds']:.1f} s ({result['clocks'] / result['seconds']:,.0f} clocks/s); "
          f"{result['moved']:,} due times moved and re-armed, {result['repinned']:,} re-pinned only "
          f"(seeding took {result['seed_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
