"""The whole pipeline as users run it: signed webhooks at full speed through gunicorn (`-w 2 -k gthread
--threads 4`) **while** `appeals worker` routes them, against a bare Flask hello-world under the same
server settings, in alternating rounds; then a steady 200 webhooks/s with the worker on (webhook
latency against the hello-world's at the same rate, and how long appeals wait to be routed).

Configurations: a SQLite file with one worker; PostgreSQL (127.0.0.1, a fresh schema) with one and with
two workers. Per round: hello-world req/s; webhook req/s while the worker routes; routed/s from the
round's first POST to its last appeal routed; acknowledged/s, to the last acknowledgement sent to its
resident (an e-mail written to the mail folder, the laptop's transport); and (Linux, from /proc) the CPU
time one appeal cost the server processes, the workers, PostgreSQL and the bench itself over the round,
acknowledgements included, with the most appeals a second the machine's CPUs could route at that cost (a
ceiling: every CPU busy all the round). Ratios are medians over rounds of (service / hello of the
neighbouring round). The steady run also gives how long residents waited for the acknowledgement (from
receipt to the letter written). Traffic stays on 127.0.0.1; every loop is bounded.

PostgreSQL's tables are vacuumed and analyzed (VACUUM ANALYZE) before each round, outside what is measured,
as autovacuum keeps them on a server that runs it: without that, as on a server whose autovacuum is off,
the planner has no statistics and reads whole tables for lookups the indexes answer, and every poll of a
queue walks the index entries of the rows moved on (`--no-maintenance` measures that).

Usage: python bench/pipeline.py [--requests 10000] [--rounds 5] [--steady-seconds 20] [--only sqlite,pg1,pg2]
                                [--no-maintenance]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import HELLO, SERVER, TEXTS, free_port, set_up_service, signed_headers, wait_until_up  # noqa: E402

PG_ADMIN_URL = os.environ.get("APPEALS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CONFIGS = {"sqlite": ("sqlite", 1), "pg1": ("postgres", 1), "pg2": ("postgres", 2)}
TARGETS = {"ingest": 0.4, "routed": {"sqlite": 0.4, "pg2": 0.3}, "p99": 10.0, "lag": 2.0}
MUNICIPALITIES = ("barnaul", "biysk", "rubtsovsk", None)


def payload(tag: str, n: int) -> bytes:
    """A generic webhook: one of the bench texts, a place, one of 500 authors (repeats occur)."""
    body = {"external_id": f"{tag}-{n}", "text": TEXTS[n % len(TEXTS)], "regime": "incident",
            "author": {"name": "Житель", "contact": f"resident{(n * 7919) % 500}@example.ru"}}
    if MUNICIPALITIES[n % 4]:
        body["municipality"] = MUNICIPALITIES[n % 4]
    return json.dumps(body, ensure_ascii=False).encode()


def post(conn: http.client.HTTPConnection, path: str, body: bytes) -> int:
    conn.request("POST", path, body=body, headers=signed_headers(body))
    response = conn.getresponse()
    response.read()
    return response.status


def burst(port: int, total: int, clients: int, tag: str) -> tuple[float, float, dict]:
    """`total` POSTs as fast as `clients` keep-alive connections go: (start, end, statuses)."""
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))
    bodies = [payload(tag, n) for n in range(total)]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in counter:
            status = post(conn, "/webhooks/generic/bench", bodies[n])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return began, time.perf_counter(), statuses


def steady(port: int, rate: float, seconds: float, clients: int, tag: str) -> tuple[list[float], dict]:
    """`rate` POSTs a second for `seconds`, spread over `clients` connections, each request sent at
    its scheduled moment (or at once when late); latencies in seconds from the scheduled moment."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    total = int(rate * seconds)
    began = time.perf_counter() + 0.2

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(k, total, clients):
            at = began + n / rate
            pause = at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status = post(conn, "/webhooks/generic/bench", payload(tag, n))
            done = time.perf_counter()
            with lock:
                latencies.append(done - at)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses


class Backlog:
    """Reads the service's database from the bench: appeals still waiting for routing."""

    def __init__(self, url: str):
        from engine.store.db import open_database

        open_database(url)

    def oldest_wait(self) -> float | None:
        """Seconds the oldest appeal waiting to be routed has waited; None when none waits. The first waiting
        row by id, not a count: the bench's own polling, every 20 ms, should cost the database little."""
        from datetime import UTC, datetime

        from engine.store.db import connection
        from engine.store.models import AppealRecord

        with connection():
            oldest = (AppealRecord.select(AppealRecord.created_at).where(AppealRecord.status == "received")
                      .order_by(AppealRecord.id).limit(1).tuples().first())
        if oldest is None:
            return None
        return (datetime.now(UTC) - AppealRecord.created_at.python_value(oldest[0])).total_seconds()

    def unsent(self) -> bool:
        """Whether a reply to a resident waits to be sent."""
        from engine.store.db import connection
        from engine.store.models import AuthorMessageRecord

        with connection():
            return AuthorMessageRecord.select(AuthorMessageRecord.id).where(
                AuthorMessageRecord.status == "pending").limit(1).exists()

    def drained_at(self, limit: float = 600) -> float:
        """perf_counter() when nothing waits to be routed any more (looked at every 20 ms)."""
        return self._when(lambda: self.oldest_wait() is None, limit, "the worker did not route the backlog in time")

    def sent_at(self, limit: float = 600) -> float:
        """perf_counter() when no reply waits to be sent any more (looked at every 20 ms)."""
        return self._when(lambda: not self.unsent(), limit, "the worker did not send the replies in time")

    @staticmethod
    def _when(done, limit: float, failure: str) -> float:
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            if done():
                return time.perf_counter()
            time.sleep(0.02)
        raise RuntimeError(failure)

    def acknowledgement_waits(self, tag: str) -> list[float]:
        """Seconds from receipt to the acknowledgement sent, for each appeal of the webhooks tagged `tag`."""
        from engine.store.db import connection
        from engine.store.models import AppealRecord, AuthorMessageRecord

        with connection():
            rows = (AuthorMessageRecord.select(AuthorMessageRecord.sent_at, AppealRecord.received_at)
                    .join(AppealRecord)
                    .where(AppealRecord.external_id.startswith(f"{tag}-")
                           & (AuthorMessageRecord.kind == "acknowledgement")
                           & (AuthorMessageRecord.status == "sent")).tuples())
            return [(AuthorMessageRecord.sent_at.python_value(sent)
                     - AppealRecord.received_at.python_value(received)).total_seconds() for sent, received in rows]

    def close(self) -> None:
        from engine.store.db import close_database

        close_database()


def database_for(kind: str, tmp: Path) -> tuple[str, callable, callable]:
    """(the service's database URL, what drops it, what vacuums it and refreshes its statistics)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'pipeline.db'}", lambda: None, lambda: None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def maintain():
        """VACUUM ANALYZE of the schema's tables: what autovacuum does on its own on a server that has it on."""
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
            for (table,) in tables:
                conn.execute(f'VACUUM ANALYZE "{schema}"."{table}"')
    return f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}", drop, maintain


def run_config(name: str, args) -> dict:
    kind, workers = CONFIGS[name]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url, drop, maintain = database_for(kind, tmp)
        env = {**os.environ, "APPEALS_DATABASE_URL": url, "APPEALS_RULES_DIR": str(ROOT / "rules"),
               "APPEALS_MAIL_DIR": str(tmp / "mail"), "APPEALS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
               "APPEALS_SWEEP_SECONDS": "60"}
        for default in ("APPEALS_ROUTING", "APPEALS_ROUTE_SECONDS"):  # queued routing, every 0.2 s: as installed
            env.pop(default, None)
        cli = [sys.executable, "-m", "webhooks.cli"]
        processes: list[subprocess.Popen] = []
        backlog = None
        try:
            set_up_service(env)
            (tmp / "hello.py").write_text(HELLO)
            ports = {}
            for server, app, cwd, probe in (("hello", "hello:app", tmp, "/"),
                                            ("service", "webhooks.wsgi:app", ROOT, "/healthz")):
                ports[server] = free_port()
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", *SERVER, "-b", f"127.0.0.1:{ports[server]}", app],
                    env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                wait_until_up(ports[server], probe)
            for _ in range(workers):
                processes.append(subprocess.Popen([*cli, "worker"], env=env, cwd=ROOT,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            backlog = Backlog(url)
            burst(ports["hello"], 200, args.clients, "hello-warm")
            burst(ports["service"], 200, args.clients, "warm")
            backlog.drained_at()
            cpu = CpuMeter(server=processes[1].pid, workers=[w.pid for w in processes[2:]], database=kind == "postgres")
            return measure(name, ports, backlog, args, cpu, maintain if args.maintain else lambda: None)
        finally:
            if backlog is not None:
                backlog.close()
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            drop()


class CpuMeter:
    """CPU seconds (user and system, from /proc) used so far by the service's server processes, its workers,
    PostgreSQL's processes when it is the database, and this bench's own process (its clients and the
    backlog's polling): what a routed appeal costs the machine, whose CPUs all of them share."""

    def __init__(self, *, server: int, workers: list[int], database: bool):
        self.roots = {"server": [server], "worker": workers}
        self.database = database
        self.available = os.path.isdir("/proc/self")

    def read(self) -> dict[str, float]:
        if not self.available:
            return {}
        ticks = {part: 0 for part in (*self.roots, "database")}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                head, _, tail = Path(entry.path, "stat").read_text().rpartition(")")
            except OSError:  # gone meanwhile
                continue
            fields, pid, command = tail.split(), int(entry.name), head.partition("(")[2]
            used = int(fields[11]) + int(fields[12])  # utime, stime
            for part, roots in self.roots.items():
                if pid in roots or int(fields[1]) in roots:  # the process or one of its children
                    ticks[part] += used
            if self.database and command.startswith("postgres"):
                ticks["database"] += used
        seconds = {part: n / os.sysconf("SC_CLK_TCK") for part, n in ticks.items()}
        seconds["bench"] = time.process_time()
        return seconds


def measure(name: str, ports: dict, backlog: Backlog, args, cpu: CpuMeter, maintain) -> dict:
    per_round = args.requests // args.rounds
    cores = os.cpu_count() or 1
    rounds = []
    for n in range(args.rounds):
        maintain()  # between rounds, outside what is measured
        began, ended, _ = burst(ports["hello"], per_round, args.clients, f"hello-{n}")
        hello = per_round / (ended - began)
        before = cpu.read()
        began, ended, statuses = burst(ports["service"], per_round, args.clients, f"round-{n}")
        drained = backlog.drained_at()
        acknowledged = backlog.sent_at()
        after = cpu.read()
        per_appeal = {part: (after[part] - before[part]) / per_round for part in before}
        rounds.append({"hello": hello, "ingest": per_round / (ended - began),
                       "routed": per_round / (drained - began), "acknowledged": per_round / (acknowledged - began),
                       "statuses": statuses, "cpu": per_appeal})
        print(f"  {name} round {n + 1}: hello {hello:,.0f}/s, webhooks {rounds[-1]['ingest']:,.0f}/s "
              f"{statuses}, routed {rounds[-1]['routed']:,.0f}/s, acknowledged {rounds[-1]['acknowledged']:,.0f}/s",
              flush=True)
        if per_appeal:
            total = sum(per_appeal.values())
            rounds[-1]["ceiling"] = cores / total
            print("    CPU per appeal: " + ", ".join(f"{part} {ms * 1000:.2f} ms" for part, ms in per_appeal.items()
                                                   if part != "database" or cpu.database)
                  + f" = {total * 1000:.2f} ms: {cores} CPUs fully busy route at most {cores / total:,.0f}/s "
                  f"({cores / total / hello:.2f} × hello)", flush=True)
    result = {"rounds": rounds}
    if args.steady_seconds:
        lags: list[float] = []
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                lags.append(backlog.oldest_wait() or 0.0)
                sampling.wait(0.25)

        maintain()
        hello_lat, _ = steady(ports["hello"], args.rate, args.steady_seconds, args.clients, "hello-steady")
        sampler = threading.Thread(target=sample)
        sampler.start()
        service_lat, statuses = steady(ports["service"], args.rate, args.steady_seconds, args.clients, "steady")
        backlog.drained_at()
        sampling.set()
        sampler.join()
        backlog.sent_at()
        waits = backlog.acknowledgement_waits("steady")
        result["steady"] = {"hello": percentiles(hello_lat), "service": percentiles(service_lat),
                            "statuses": statuses, "max_lag": max(lags or [0.0]),
                            "acknowledged": {**percentiles(waits), "max": max(waits), "count": len(waits)}}
    return result


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": ordered[len(ordered) // 2], "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def report(name: str, result: dict) -> None:
    rounds = result["rounds"]
    ingest = statistics.median(r["ingest"] / r["hello"] for r in rounds)
    routed = statistics.median(r["routed"] / r["hello"] for r in rounds)
    target = TARGETS["routed"].get(name)
    print(f"{name}: hello median {statistics.median(r['hello'] for r in rounds):,.0f} req/s")
    print(f"  ingest while routing / hello : {ingest:.2f}  (target >= {TARGETS['ingest']}) "
          f"{'met' if ingest >= TARGETS['ingest'] else 'NOT met'}")
    print(f"  routed/s (first POST → last routed) / hello : {routed:.2f}"
          + (f"  (target >= {target}) {'met' if routed >= target else 'NOT met'}" if target else ""))
    acknowledged = statistics.median(r["acknowledged"] / r["hello"] for r in rounds)
    print(f"  acknowledged/s (first POST → last acknowledgement sent) / hello : {acknowledged:.2f}")
    if all("ceiling" in r for r in rounds):
        ceiling = statistics.median(r["ceiling"] / r["hello"] for r in rounds)
        spent = statistics.median(sum(r["cpu"].values()) for r in rounds)
        wanted = target or TARGETS["ingest"]
        budget = (os.cpu_count() or 1) / (wanted * statistics.median(r["hello"] for r in rounds))
        print(f"  routed/s / hello with every CPU busy, at the CPU spent per appeal : {ceiling:.2f} "
              f"({spent * 1000:.2f} ms an appeal; {wanted} × hello would need at most {budget * 1000:.2f} ms)")
    if "steady" in result:
        s = result["steady"]
        ratio = s["service"]["p99"] / s["hello"]["p99"]
        print(f"  steady {TARGETS.get('rate', 200)}/s: webhook p50 {s['service']['p50'] * 1000:.1f} ms "
              f"p99 {s['service']['p99'] * 1000:.1f} ms; hello p50 {s['hello']['p50'] * 1000:.1f} ms "
              f"p99 {s['hello']['p99'] * 1000:.1f} ms; p99 ratio {ratio:.1f} (target <= {TARGETS['p99']:.0f}) "
              f"{'met' if ratio <= TARGETS['p99'] else 'NOT met'}; statuses {s['statuses']}")
        print(f"  routing lag during the steady load: max {s['max_lag']:.2f} s (target < {TARGETS['lag']:.0f}) "
              f"{'met' if s['max_lag'] < TARGETS['lag'] else 'NOT met'}")
        a = s["acknowledged"]
        print(f"  receipt → acknowledgement sent during the steady load: p50 {a['p50']:.2f} s, p99 {a['p99']:.2f} s, "
              f"max {a['max']:.2f} s ({a['count']} appeals)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10000, help="per server, over all rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0, help="steady webhooks a second")
    parser.add_argument("--steady-seconds", type=float, default=20.0, help="0: no steady run")
    parser.add_argument("--only", default="sqlite,pg1,pg2")
    parser.add_argument("--no-maintenance", dest="maintain", action="store_false",
                        help="PostgreSQL: no VACUUM ANALYZE between rounds (none at all where autovacuum is off)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: the servers and workers are stopped too
    print(f"gunicorn {' '.join(SERVER)}; {args.requests} requests per server in {args.rounds} alternating rounds, "
          f"{args.clients} keep-alive clients; `appeals worker` running (route interval as installed)", flush=True)
    for name in args.only.split(","):
        result = run_config(name, args)
        report(name, result)
        print(json.dumps({name: result}, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
