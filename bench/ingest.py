"""Ingest throughput: signed generic webhooks through gunicorn (2 workers, gthread) against the
service with the demo rules (default APPEALS_ROUTING=queued: stored, answered, routed by the
worker), and a bare Flask hello-world under the same server settings, in alternating rounds of
the same run; then how fast the worker routes what was stored, and words per second of the
Russian normaliser.

Traffic goes to 127.0.0.1 only; every loop is bounded. Usage: python bench/ingest.py [--requests N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret"
SERVER = ["-w", "2", "-k", "gthread", "--threads", "4", "--backlog", "256", "--log-level", "warning"]
TEXTS = [
    "На ул. Попова огромные ямы, провал асфальта у дома 105, Барнаул",
    "Третий день нет горячей воды в доме, управляющая компания не отвечает",
    "Мусор не вывозят с контейнерной площадки уже неделю, Бийск",
    "Нет мест в детских садах Рубцовска, очередь не двигается",
    "Автобус 35 не ходит по расписанию, люди мёрзнут на остановке",
    "Постоянно отключают электричество в Павловском районе",
]
HELLO = textwrap.dedent('''
    from flask import Flask
    app = Flask(__name__)

    @app.post("/webhooks/generic/<channel>")
    def hello(channel):
        return "hello", 202
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_up_service(env: dict) -> None:
    """The database of `env` migrated, with the bench's generic channel and its secret."""
    cli = [sys.executable, "-m", "webhooks.cli"]
    subprocess.run([*cli, "db", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*cli, "channel", "add", "bench", "--kind", "generic", "--secret", SECRET], env=env, cwd=ROOT,
                   check=True, capture_output=True)


def signed_headers(body: bytes) -> dict[str, str]:
    """The headers of a generic webhook carrying `body`, signed now with the bench channel's secret."""
    from engine.domain.signature import sign

    stamp = int(time.time())
    return {"Content-Type": "application/json", "X-Appeals-Timestamp": str(stamp),
            "X-Appeals-Signature": sign(SECRET, stamp, body)}


def wait_until_up(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def start(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", *SERVER, "-b", f"127.0.0.1:{port}", app]
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def load(port: int, total: int, clients: int, tag: str) -> tuple[float, dict]:
    """POST `total` signed appeals with `clients` keep-alive connections; (requests/s, statuses)."""
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in counter:  # shared iterator: the loop ends after `total` requests in all
            body = json.dumps({"external_id": f"{tag}-{n}", "text": TEXTS[n % len(TEXTS)], "regime": "incident"},
                              ensure_ascii=False).encode()
            conn.request("POST", "/webhooks/generic/bench", body=body, headers=signed_headers(body))
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - began), statuses


def measure_http(total: int, clients: int, rounds: int) -> dict:
    """Both servers up at once; load alternates between them, `rounds` times each, so a busy
    neighbour on the machine slows both alike. Returns each round's req/s and statuses."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "APPEALS_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
               "APPEALS_RULES_DIR": str(ROOT / "rules"), "APPEALS_MAIL_DIR": str(tmp / "mail"),
               "APPEALS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        set_up_service(env)
        (tmp / "hello.py").write_text(HELLO)
        servers = {}
        try:
            for name, app, cwd, probe in (("hello", "hello:app", tmp, "/"),
                                          ("service", "webhooks.wsgi:app", ROOT, "/healthz")):
                port = free_port()
                servers[name] = (port, start(app, port, env, cwd))
                wait_until_up(port, probe)
                load(port, min(200, total), clients, f"{name}-warm")  # warm both workers
            results = {"hello": [], "service": [], "statuses": {"hello": {}, "service": {}}}
            for n in range(rounds):
                for name, (port, _) in servers.items():
                    rps, statuses = load(port, total // rounds, clients, f"{name}-{n}")
                    results[name].append(rps)
                    for code, count in statuses.items():
                        results["statuses"][name][code] = results["statuses"][name].get(code, 0) + count
            results["routing"] = measure_routing(env, total)
            return results
        finally:
            for _, server in servers.values():
                server.terminate()
                server.wait(timeout=30)


def measure_routing(env: dict, stored: int) -> dict:
    """The worker's side: how long `appeals sweep` takes to route everything the webhooks stored."""
    from engine.bootstrap import bootstrap
    from engine.config import Settings
    from engine.store.db import close_database, connection
    from engine.store.models import AppealRecord

    rt = bootstrap(Settings.from_env(env))
    with connection():
        waiting = AppealRecord.select().where(AppealRecord.status == "received").count()
    close_database()
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "webhooks.cli", "sweep", "--now", rt.now().isoformat(), "--no-deliver"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - began
    with connection():
        left = AppealRecord.select().where(AppealRecord.status == "received").count()
    close_database()
    return {"waiting": waiting, "routed": waiting - left, "seconds": seconds}


def measure_normaliser(repeat: int) -> dict:
    from engine.classify import load_reader
    from engine.classify import text as textmod
    from engine.domain.appeal import IncomingAppeal
    from engine.runtime import system_clock

    corpus = " ".join(TEXTS * 40)
    words = len(textmod.words(corpus))
    textmod.word_lemmas.cache_clear()
    began = time.perf_counter()
    textmod.analyse(corpus)
    cold = words / (time.perf_counter() - began)
    began = time.perf_counter()
    for _ in range(repeat):
        textmod.analyse(corpus)
    warm = words * repeat / (time.perf_counter() - began)
    reader = load_reader(ROOT / "rules")
    appeal = IncomingAppeal(channel="bench", external_id="x", text=corpus, received_at=system_clock())
    began = time.perf_counter()
    for _ in range(repeat):
        reader.read(appeal)
    read = words * repeat / (time.perf_counter() - began)
    return {"normalise_cold": cold, "normalise_warm": warm, "classify_read": read}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per server, over all rounds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    res = measure_http(args.requests, args.clients, args.rounds)
    ratios = sorted(s / h for s, h in zip(res["service"], res["hello"], strict=True))
    print(f"gunicorn {' '.join(SERVER)}; {args.requests} requests per server in {args.rounds} alternating rounds, "
          f"{args.clients} keep-alive clients")
    print(f"  bare Flask hello-world : {_rounds(res['hello'])} req/s  statuses {res['statuses']['hello']}")
    print(f"  signed generic webhook : {_rounds(res['service'])} req/s  statuses {res['statuses']['service']}")
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  ratio service / hello  : median {statistics.median(ratios):.2f} of {each}  (target >= 0.5)")
    routing = res["routing"]
    print(f"  worker routing         : {routing['routed']} of {routing['waiting']} stored appeals routed in "
          f"{routing['seconds']:.1f} s ({routing['routed'] / routing['seconds']:.0f} appeals/s, one process, "
          "start-up included)")
    norm = measure_normaliser(repeat=20)
    print(f"  normaliser, cold cache : {norm['normalise_cold']:8.0f} words/s")
    print(f"  normaliser, warm cache : {norm['normalise_warm']:8.0f} words/s")
    print(f"  text reader (topic, place, flags): {norm['classify_read']:8.0f} words/s")
    return 0


def _rounds(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
