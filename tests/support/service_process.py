"""The service started as its users start it (`appeals serve`, `appeals run`, `appeals worker` in a
child process), for tests that go through a real HTTP port or watch the worker at work."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.smtp import free_port


def appeals_cli(env, *args, check=True) -> subprocess.CompletedProcess:
    """`appeals *args` in a child process with ``env``; fails with its output unless it succeeds (``check``)."""
    result = subprocess.run([sys.executable, "-m", "webhooks.cli", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"appeals {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def http(method, url, *, body=None, headers=None):
    """(status, JSON answer) of one request to the running service."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@dataclass
class Service:
    url: str  # empty for the worker, which listens on no port
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition, seconds: float):
        """``condition()``'s first true result within ``seconds``; fails with the service's log if
        the service stops or the time runs out."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                result = condition()
            except OSError:  # not listening yet
                result = None
            if result:
                return result
            if self.process.poll() is not None:
                raise AssertionError(f"the service stopped: {self.log_path.read_text()}")
            time.sleep(0.2)
        raise AssertionError(f"not done within {seconds} s: {self.log_path.read_text()}")


@contextmanager
def running_service(env: dict, command: str, tmp_path: Path, *, start_within: float = 60) -> Iterator[Service]:
    """`appeals <command> --port N` running until the block ends, answering /healthz."""
    port = free_port()
    log_path = tmp_path / f"{command}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "webhooks.cli", command, "--port", str(port)], env=env,
                                   cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        service = Service(f"http://127.0.0.1:{port}", process, log_path)
        try:
            service.wait_for(lambda: _healthy(service.url), start_within)
            yield service
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def running_worker(env: dict, tmp_path: Path, *, start_within: float = 60) -> Iterator[Service]:
    """`appeals worker` running until the block ends, logging at INFO to worker.log; stopped with
    SIGTERM, as a service manager stops it."""
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "webhooks.cli", "worker"],
                                   env={**env, "APPEALS_LOG_LEVEL": "INFO"}, cwd=ROOT, stdout=log_file,
                                   stderr=subprocess.STDOUT)
        worker = Service("", process, log_path)
        try:
            worker.wait_for(lambda: "worker started" in worker.log(), start_within)
            yield worker
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
        return response.status == 200
