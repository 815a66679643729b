"""Time of the centre's picture of the region (/analytics) over a year of 200,000 appeals.

For each database (a SQLite file; PostgreSQL when APPEALS_BENCH_POSTGRES or the tests' server at
127.0.0.1:5432 answers): a fresh database, one routed 59-ФЗ appeal as a template, then N appeals
received evenly over the year 2026 (topics, municipalities, one in ten with coordinates, one in
twenty at one of 500 repeated addresses), each with its answer clock (due 30 days after receipt;
two thirds answered, a tenth of those late), and one incident per 40 appeals (2 to 40 members, reported
over a day to a week, spread over the year; a tenth still open) for the top recurring problems. Measured,
median of --rounds runs each:

* report: engine.services.trends.trends_report over the whole year (52 weeks), every body;
* sector: the same for a head of the housing and waste sectors (her scope);
* page: GET /analytics for the year through the Flask app (the report, the SVG charts and the map);
* incidents: the report's top incidents alone (engine.services.trends._incidents), every body and the
  sector head.

Usage: python bench/analytics.py [--appeals 200000] [--rounds 3] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playhouse.shortcuts import model_to_dict  # noqa: E402

from bench.databases import chosen, database_url  # noqa: E402
from engine.bootstrap import bootstrap  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.policyset import load_policy_set  # noqa: E402
from engine.services import trends  # noqa: E402
from engine.services.access import Caller, visible_bodies, visible_sectors  # noqa: E402
from engine.services.intake import receive_appeal, route_appeal  # noqa: E402
from engine.store.db import close_database, database, is_postgres  # noqa: E402
from engine.store.migrations import migrate  # noqa: E402
from engine.store.models import AppealRecord, ClockRecord, IncidentRecord  # noqa: E402
from tests.support.appeals import pit_appeal  # noqa: E402
from tests.support.moments import MovableClock  # noqa: E402
from tests.support.staff import PASSWORD, add_staff, log_in  # noqa: E402

YEAR_START = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)  # 1 Jan 2026 00:00 in Barnaul
TOPICS = ("roads", "housing", "energy", "waste", "health", "education", "transport", "social", "labour", "other")
SECTOR_HEAD = Caller(token_id=None, role="manager", label=None, user="belova", sector="housing",
                     sectors=("housing", "waste"))
CHUNK = 1000


def seed_year(template_id: int, count: int, policy) -> None:
    """``count`` appeals over the year with their answer clocks, in chunks of CHUNK rows."""
    template = AppealRecord.get_by_id(template_id)
    clock = ClockRecord.get((ClockRecord.appeal == template_id) & (ClockRecord.kind == "answer"))
    appeal_row = model_to_dict(template, recurse=False)
    clock_row = model_to_dict(clock, recurse=False)
    places = sorted(policy.reader.gazetteer.titles)
    bodies = sorted(policy.directory.bodies)
    sectors = {b.id: b.sector for b in policy.directory.bodies.values()}
    step = timedelta(days=365) / count
    base = AppealRecord.select(AppealRecord.id).order_by(AppealRecord.id.desc()).scalar()
    clock_base = ClockRecord.select(ClockRecord.id).order_by(ClockRecord.id.desc()).scalar()
    for start in range(0, count, CHUNK):
        appeals, clocks = [], []
        for i in range(start, min(start + CHUNK, count)):
            received = YEAR_START + step * i
            topic = TOPICS[i % len(TOPICS)]
            body = bodies[(i * 7) % len(bodies)]
            located = i % 10 == 0
            appeals.append({**appeal_row, "id": base + 1 + i, "external_id": f"year-{i}", "received_at": received,
                            "registered_at": received, "created_at": received, "updated_at": received,
                            "topic": topic, "municipality": places[(i * 13) % len(places)], "body": body,
                            "sector": topic if topic != "other" else sectors[body],
                            "address": f"ул. Ленина, {i % 500}" if i % 20 == 0 else None,
                            "author_id": f"vk:{i % 50000}", "lat": 52.5 + (i % 97) / 50 if located else None,
                            "long": 80.0 + (i % 89) / 15 if located else None, "status": "routed"})
            due = received + timedelta(days=30)
            answered = i % 3 != 0
            stopped = (due + timedelta(days=2) if i % 10 == 1 else received + timedelta(days=10)) if answered else None
            clocks.append({**clock_row, "id": clock_base + 1 + i, "appeal": base + 1 + i, "body": body,
                           "started_at": received, "due_at": due, "stopped_at": stopped, "breached_at": None,
                           "paused_since": None})
        with database.atomic():
            AppealRecord.insert_many(appeals).execute()
            ClockRecord.insert_many(clocks).execute()
    if is_postgres():
        for model in (AppealRecord, ClockRecord):
            table = model._meta.table_name
            database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        database.execute_sql("ANALYZE")
    else:
        database.execute_sql("ANALYZE")


def seed_incidents(count: int, policy) -> None:
    """``count`` incidents over the year: the rows the top recurring problems read (their members are
    counted in the incident, as grouping keeps them)."""
    places = sorted(policy.reader.gazetteer.titles)
    bodies = sorted(policy.directory.bodies)
    step = timedelta(days=365) / max(count, 1)
    for start in range(0, count, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, count)):
            first = YEAR_START + step * i
            members = 2 + (i * 7919) % 39
            rows.append({"topic": TOPICS[i % len(TOPICS)], "municipality": places[(i * 11) % len(places)],
                         "place_key": f"bench|улица {i % 700}", "street": f"улица {i % 700}", "house": None,
                         "address": f"ул. Улица {i % 700}", "lat": None, "long": None, "lead": i + 1,
                         "body": bodies[(i * 5) % len(bodies)], "role": "executor", "official": None,
                         "priority": "high" if members >= 3 else "normal", "policy": "fz59",
                         "status": "open" if i % 10 == 0 else "closed", "members": members,
                         "authors": max(2, members - i % 3), "first_report_at": first,
                         "last_report_at": first + timedelta(hours=24 + (i % 144)), "words": [],
                         "created_at": first, "updated_at": first})
        with database.atomic():
            IncidentRecord.insert_many(rows).execute()


def median_seconds(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_one(url: str, count: int, rounds: int, policy, workdir: Path) -> dict:
    clock = MovableClock(datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    rt = bootstrap(Settings.from_env({}, database_url=url, rules_dir=ROOT / "rules", mail_dir=workdir / "mail"),
                   clock=clock, policy_set=policy, senders={})
    database.connect(reuse_if_open=True)
    try:
        migrate(clock())
        received = receive_appeal(rt, pit_appeal(clock, "bench-template"), "{}", actor="bench")
        assert route_appeal(rt, received.appeal_id)
        started = time.perf_counter()
        seed_year(received.appeal_id, count, policy)
        seed_incidents(count // 40, policy)
        database.execute_sql("ANALYZE")
        seeded = time.perf_counter() - started
        clock.set(datetime(2027, 1, 1, 3, 0, tzinfo=UTC))
        first, last = date(2026, 1, 1), date(2026, 12, 31)
        directory = policy.directory

        report = trends.trends_report(rt, first=first, last=last)
        assert report["total"]["count"] >= count, report["total"]
        assert count < 40 * 15 or len(report["incidents"]) == trends.INCIDENTS_LISTED, report["incidents"]
        whole = median_seconds(lambda: trends.trends_report(rt, first=first, last=last), rounds)
        sector = median_seconds(lambda: trends.trends_report(
            rt, first=first, last=last, bodies=visible_bodies(SECTOR_HEAD, directory),
            sectors=visible_sectors(SECTOR_HEAD)), rounds)

        year = (datetime(2025, 12, 31, 17, 0, tzinfo=UTC), datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
        incidents = median_seconds(lambda: trends._incidents(rt, *year, None, None), rounds)
        incidents_sector = median_seconds(lambda: trends._incidents(
            rt, *year, visible_bodies(SECTOR_HEAD, directory), visible_sectors(SECTOR_HEAD)), rounds)

        from webhooks import create_app

        add_staff(rt)
        client = create_app(rt, {"TESTING": True}).test_client()
        log_in(client, "centre-manager", PASSWORD)

        def page():
            answer = client.get("/analytics?from=2026-01-01&to=2026-12-31")
            assert answer.status_code == 200 and answer.data.count(b"<svg") == 4
            assert count < 40 * 15 or answer.data.count(b"<tr data-incident=") == trends.INCIDENTS_LISTED

        page_s = median_seconds(page, rounds)
        return {"seed_s": seeded, "report_s": whole, "sector_s": sector, "page_s": page_s,
                "incidents_s": incidents, "incidents_sector_s": incidents_sector,
                "weeks": len(report["weeks"]), "points": len(report["map"]["points"])}
    finally:
        close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    policy = load_policy_set(ROOT / "rules")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in chosen(args.only):
            with database_url(backend, Path(tmp), "analytics") as url:
                if url is None:
                    continue
                r = run_one(url, args.appeals, args.rounds, policy, Path(tmp))
            print(f"{backend:8} {args.appeals:,} appeals over a year (seeded in {r['seed_s']:.0f} s): "
                  f"report {r['report_s']:.2f} s ({r['weeks']} weeks, {r['points']:,} map points), "
                  f"sector head {r['sector_s']:.2f} s, /analytics page {r['page_s']:.2f} s; of which the top "
                  f"incidents {r['incidents_s'] * 1000:.0f} ms, for the sector head "
                  f"{r['incidents_sector_s'] * 1000:.0f} ms "
                  f"(median of {args.rounds})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
