"""Ingest throughput: signed generic webhooks through gunicorn (2 workers, gthread) against the
service with the demo rules, and a bare Flask hello-world under the same server settings, in the
same run; then words per second of the Russian normaliser.

Traffic goes to 127.0.0.1 only; every loop is bounded. Usage: python bench/ingest.py [--requests N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
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
    from engine.domain.signature import sign

    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in counter:  # shared iterator: the loop ends after `total` requests in all
            body = json.dumps({"external_id": f"{tag}-{n}", "text": TEXTS[n % len(TEXTS)], "regime": "incident"},
                              ensure_ascii=False).encode()
            ts = int(time.time())
            headers = {"Content-Type": "application/json", "X-Appeals-Timestamp": str(ts),
                       "X-Appeals-Signature": sign(SECRET, ts, body)}
            conn.request("POST", "/webhooks/generic/bench", body=body, headers=headers)
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


def measure_http(total: int, clients: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "APPEALS_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
               "APPEALS_RULES_DIR": str(ROOT / "rules"), "APPEALS_MAIL_DIR": str(tmp / "mail"),
               "APPEALS_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        cli = [sys.executable, "-m", "webhooks.cli"]
        subprocess.run([*cli, "db", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*cli, "channel", "add", "bench", "--kind", "generic", "--secret", SECRET], env=env,
                       cwd=ROOT, check=True, capture_output=True)
        (tmp / "hello.py").write_text(HELLO)
        results = {}
        for name, app, cwd, probe in (("hello", "hello:app", tmp, "/"), ("service", "webhooks.wsgi:app", ROOT,
                                                                          "/healthz")):
            port = free_port()
            server = start(app, port, env, cwd)
            try:
                wait_until_up(port, probe)
                load(port, min(200, total), clients, f"{name}-warm")  # warm both workers
                results[name] = load(port, total, clients, name)
            finally:
                server.terminate()
                server.wait(timeout=30)
        return results


def measure_normaliser(repeat: int) -> dict:
    from engine.bootstrap import system_clock
    from engine.classify import load_reader
    from engine.domain.appeal import IncomingAppeal
    from engine.rulebook import text as textmod

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
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    http_results = measure_http(args.requests, args.clients)
    (hello_rps, hello_st), (service_rps, service_st) = http_results["hello"], http_results["service"]
    print(f"gunicorn {' '.join(SERVER)}; {args.requests} requests, {args.clients} keep-alive clients")
    print(f"  bare Flask hello-world : {hello_rps:8.0f} req/s  statuses {hello_st}")
    print(f"  signed generic webhook : {service_rps:8.0f} req/s  statuses {service_st}")
    print(f"  ratio service / hello  : {service_rps / hello_rps:8.2f}  (target >= 0.5)")
    norm = measure_normaliser(repeat=20)
    print(f"  normaliser, cold cache : {norm['normalise_cold']:8.0f} words/s")
    print(f"  normaliser, warm cache : {norm['normalise_warm']:8.0f} words/s")
    print(f"  text reader (topic, place, flags): {norm['classify_read']:8.0f} words/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
