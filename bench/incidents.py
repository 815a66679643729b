"""Appeals grouped into incidents per second with 100,000 open appeals.

For each database (a SQLite file; PostgreSQL when APPEALS_BENCH_POSTGRES or the tests' server at
127.0.0.1:5432 answers): a fresh database, one routed appeal as a template, then N open routed appeals
received over the last 23 hours (the grouping window is 24 h), cloned in chunks: six in seven name one of
2,000 streets in one of the region's municipalities (their place key computed as routing computes it),
the rest carry coordinates; topics vary. Then M new appeals about power cuts, each on one of the seeded
streets of Barnaul (so every one finds candidates), are received and routed one by one
(`intake.route_appeal`). Measured: the time spent in `join_incident` (the candidate lookup through the
indexes, the join decision, creating or joining the incident) per appeal, as appeals grouped per second,
and the whole routing of an appeal for comparison; median of --rounds rounds of M appeals. Also
counted: the SQL statements sent per appeal in `join_incident` and in the whole routing (a robust
measure on a busy machine, where times vary).

Usage: python bench/incidents.py [--appeals 100000] [--new 300] [--rounds 3] [--only sqlite|postgres]
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

from playhouse.shortcuts import model_to_dict  # noqa: E402

from bench.databases import chosen, database_url  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.classify.incident_place import street_of  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.domain.appeal import Author, IncomingAppeal  # noqa: E402
from engine.policyset import load_policy_set  # noqa: E402
from engine.services import intake  # noqa: E402
from engine.services.incidents import place_key  # noqa: E402
from engine.store.db import close_database, database, is_postgres  # noqa: E402
from engine.store.migrations import migrate  # noqa: E402
from engine.store.models import AppealRecord, IncidentRecord  # noqa: E402
from tests.support.appeals import pit_appeal  # noqa: E402
from tests.support.moments import MovableClock  # noqa: E402

STREETS = 2000
TOPICS = ("energy", "roads", "housing", "waste", "transport")
CHUNK = 1000


def street_text(n: int) -> str:
    return f"Нет света на ул. Садовая-{n}, дом {n % 90 + 1}"


def seed_open(template_id: int, count: int, now: datetime, policy) -> None:
    template = model_to_dict(AppealRecord.get_by_id(template_id), recurse=False)
    places = sorted(policy.reader.gazetteer.titles)
    base = AppealRecord.select(AppealRecord.id).order_by(AppealRecord.id.desc()).scalar()
    step = timedelta(hours=23) / count
    for start in range(0, count, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, count)):
            received = now - timedelta(hours=23) + step * i
            municipality = "barnaul" if i % 2 == 0 else places[(i * 13) % len(places)]
            topic = TOPICS[i % len(TOPICS)]
            on_street = i % 7 != 0
            text = street_text(i % STREETS) if on_street else "Нет света во дворе"
            key = place_key(municipality, street_of(text)) if on_street else None
            rows.append({**template, "id": base + 1 + i, "external_id": f"open-{i}", "text": text,
                         "received_at": received, "registered_at": received, "created_at": received,
                         "updated_at": received, "topic": topic, "municipality": municipality, "status": "routed",
                         "author_id": f"vk:{i}", "place_key": key, "incident_id": None,
                         "lat": None if on_street else 53.3 + (i % 997) / 5000,
                         "long": None if on_street else 83.7 + (i % 991) / 5000})
        with database.atomic():
            AppealRecord.insert_many(rows).execute()
    if is_postgres():
        database.execute_sql("SELECT setval(pg_get_serial_sequence('appeal_record', 'id'), "
                             "(SELECT MAX(id) FROM appeal_record))")
    database.execute_sql("ANALYZE")


def run_one(url: str, count: int, new: int, rounds: int, policy, workdir: Path) -> dict:
    now = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # Mon 7 Dec 12:00 in Barnaul
    clock = MovableClock(now - timedelta(days=2))
    rt = bootstrap(Settings.from_env({}, database_url=url, rules_dir=ROOT / "rules", mail_dir=workdir / "mail"),
                   clock=clock, policy_set=policy, senders={})
    database.connect(reuse_if_open=True)
    joins: list[float] = []
    sent = {"join": 0, "all": 0, "in_join": False}
    original, execute_sql = intake.join_incident, database.obj.execute_sql

    def timed(rt_, record, at):
        started = time.perf_counter()
        sent["in_join"] = True
        try:
            return original(rt_, record, at)
        finally:
            sent["in_join"] = False
            joins.append(time.perf_counter() - started)

    def counted(sql, params=None, *args, **kwargs):
        sent["all"] += 1
        sent["join"] += sent["in_join"]
        return execute_sql(sql, params, *args, **kwargs)

    intake.join_incident = timed
    try:
        migrate(clock())
        received = intake.receive_appeal(rt, pit_appeal(clock, "bench-template"), "{}", actor="bench")
        assert intake.route_appeal(rt, received.appeal_id)
        clock.set(now)
        started = time.perf_counter()
        seed_open(received.appeal_id, count, now, policy)
        seeded = time.perf_counter() - started
        per_join, per_route, done = [], [], 0
        database.obj.execute_sql = counted
        for _round in range(rounds):
            joins.clear()
            started = time.perf_counter()
            for _ in range(new):
                n = done
                done += 1
                clock.set(clock() + timedelta(seconds=1))
                incoming = IncomingAppeal(channel="vk", external_id=f"new-{n}", text=street_text((n * 10) % STREETS),
                                          received_at=clock(), author=Author(name="Житель"), author_id=f"vk:new{n}",
                                          municipality="barnaul", regime="incident")
                got = intake.receive_appeal(rt, incoming, "{}", actor="bench")
                assert intake.route_appeal(rt, got.appeal_id)
            per_route.append((time.perf_counter() - started) / new)
            per_join.append(sum(joins) / len(joins))
        del database.obj.execute_sql
        grouped = AppealRecord.select().where(AppealRecord.external_id.startswith("new-")
                                              & AppealRecord.incident_id.is_null(False)).count()
        return {"seed_s": seeded, "join_s": statistics.median(per_join), "route_s": statistics.median(per_route),
                "grouped": grouped, "routed": done, "incidents": IncidentRecord.select().count(),
                "join_statements": sent["join"] / done, "route_statements": sent["all"] / done}
    finally:
        intake.join_incident = original
        close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    policy = load_policy_set(ROOT / "rules")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in chosen(args.only):
            with database_url(backend, Path(tmp), "incidents") as url:
                if url is None:
                    continue
                r = run_one(url, args.appeals, args.new, args.rounds, policy, Path(tmp))
            print(f"{backend:8} {args.appeals:,} open appeals (seeded in {r['seed_s']:.0f} s): grouping "
                  f"{1 / r['join_s']:,.0f} appeals/s ({r['join_s'] * 1000:.2f} ms each), whole routing "
                  f"{r['route_s'] * 1000:.1f} ms an appeal; SQL statements per appeal: "
                  f"{r['join_statements']:.1f} in grouping, {r['route_statements']:.1f} in all (receiving and "
                  f"routing); {r['grouped']}/{r['routed']} new appeals joined, {r['incidents']} incidents "
                  f"(median of {args.rounds} rounds of {args.new})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
