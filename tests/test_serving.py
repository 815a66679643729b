"""`appeals run` and `appeals serve` serve through gunicorn (gthread workers), still one command each;
`run`'s background worker is a child process that stops with the server."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.intake import receive_appeal
from engine.store.db import connection
from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, running_service, running_worker

pytestmark = pytest.mark.slow


def environment(database_url, tmp_path) -> dict:
    env = {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
           "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_LOG_LEVEL": "INFO"}
    env.pop("APPEALS_ROUTING", None)
    return env


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every process below `pid`."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = (parent, cmdline)
    below, frontier = {}, [pid]
    while frontier:
        current = frontier.pop()
        for child, (parent, cmdline) in found.items():
            if parent == current and child not in below:
                below[child] = cmdline
                frontier.append(child)
    return below


def server_header(url: str) -> str:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
        return response.headers.get("Server", "")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_appeals_run_is_gunicorn_with_its_worker_as_a_child_that_stops_with_it(database_url, tmp_path):
    env = environment(database_url, tmp_path)
    appeals_cli(env, "db", "migrate")
    with running_service(env, "run", tmp_path) as service:
        assert server_header(service.url).startswith("gunicorn")
        service.wait_for(lambda: "worker started" in service.log(), 30)
        children = descendants(service.process.pid)
        workers = [pid for pid, cmd in children.items() if " worker --parent-pid " in cmd]
        assert len(workers) == 1, children
        assert len(children) >= 3, children  # two gunicorn workers and the background worker
        assert "development server" not in service.log()
    for pid in children:
        deadline = time.monotonic() + 20
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), f"{children[pid]} outlived the server"


def test_the_background_worker_stops_by_itself_when_the_server_is_killed(database_url, tmp_path):
    env = environment(database_url, tmp_path)
    appeals_cli(env, "db", "migrate")
    with running_service(env, "run", tmp_path) as service:
        service.wait_for(lambda: "worker started" in service.log(), 30)
        children = descendants(service.process.pid)
        worker = next(pid for pid, cmd in children.items() if " worker --parent-pid " in cmd)
        service.process.send_signal(signal.SIGKILL)
        service.process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker)
        for pid in children:  # gunicorn's own workers notice their master is gone as well
            deadline = time.monotonic() + 40
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"{children[pid]} outlived its master")


def test_appeals_serve_is_gunicorn_without_a_worker(database_url, tmp_path):
    env = environment(database_url, tmp_path)
    appeals_cli(env, "db", "migrate")
    with running_service(env, "serve", tmp_path) as service:
        assert server_header(service.url).startswith("gunicorn")
        children = descendants(service.process.pid)
        assert not [cmd for cmd in children.values() if " worker " in cmd]
        assert len(children) == 2, children


def niceness(pid: int) -> set[int]:
    """The niceness of each thread of the process."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.add(int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except (OSError, IndexError):  # the thread ended meanwhile
            continue
    return found


def test_the_background_worker_gives_way_to_the_server_at_a_lower_cpu_priority(database_url, tmp_path):
    """Every thread of `run`'s worker runs ten steps nicer than the server (APPEALS_WORKER_NICE's default); the
    server's processes keep the priority they were started with."""
    env = environment(database_url, tmp_path)
    appeals_cli(env, "db", "migrate")
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with running_service(env, "run", tmp_path) as service:
        service.wait_for(lambda: "worker started" in service.log(), 30)
        children = descendants(service.process.pid)
        worker = next(pid for pid, cmd in children.items() if " worker --parent-pid " in cmd)
        sender = service.wait_for(lambda: sending_process(worker), 30)
        assert len(list(Path(f"/proc/{worker}/task").iterdir())) >= 2  # its simulation thread has started too
        assert niceness(worker) == niceness(sender) == {min(own + 10, 19)}  # the sender inherits it
        assert niceness(service.process.pid) == {own}
        assert all(niceness(pid) == {own} for pid in children if pid not in (worker, sender))


@pytest.mark.parametrize("nice", [0, 3])
def test_the_worker_lowers_its_priority_as_far_as_it_is_told(database_url, tmp_path, nice):
    env = {**environment(database_url, tmp_path), "APPEALS_WORKER_NICE": str(nice)}
    appeals_cli(env, "db", "migrate")
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with running_worker(env, tmp_path) as worker:
        assert niceness(worker.process.pid) == {min(own + nice, 19)}


@pytest.mark.parametrize("given", ["-1", "20", "fast", ""])
def test_a_worker_priority_out_of_range_is_refused_by_name(given):
    from engine.config import Settings

    with pytest.raises(ValueError, match="APPEALS_WORKER_NICE"):
        Settings.from_env({"APPEALS_WORKER_NICE": given})


def sending_process(worker: int) -> int | None:
    """The pid of the worker's sending process, once it runs."""
    return next((pid for pid, cmd in descendants(worker).items() if " worker --sending --parent-pid " in cmd), None)


def letters(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("reply-*.eml")) if folder.exists() else []


def store_appeal(runtime, n: int) -> int:
    """An appeal of a resident who gave an e-mail address, stored as a webhook stores it (the worker routes
    it and the sender acknowledges it by a letter in the mail folder)."""
    incoming = IncomingAppeal(channel="portal", external_id=f"sending-{n}", text="На ул. Попова огромные ямы",
                              received_at=runtime.now(), author=Author(name="Анна", contact="anna@example.ru"),
                              municipality="barnaul", category="roads", fz59=True, regime="fz59")
    with connection():
        return receive_appeal(runtime, incoming, "{}", actor="test").appeal_id


def test_the_worker_sends_from_a_process_of_its_own_started_again_should_it_die(runtime, database_url, tmp_path):
    """Routing is the worker's, the letters its sending process's: with the sender frozen an appeal is routed
    and no letter leaves; thawed, the letter goes. Killed, the sender is started again and the next appeal is
    acknowledged. Stopped, the worker takes its sender with it."""
    runtime.settings = dataclasses.replace(runtime.settings, routing="queued")
    env = environment(database_url, tmp_path)
    mail = tmp_path / "mail"
    appeals_cli(env, "channel", "add", "portal", "--kind", "generic", "--secret", "sending-secret")
    with running_worker(env, tmp_path) as worker:
        sender = worker.wait_for(lambda: sending_process(worker.process.pid), 30)
        worker.wait_for(lambda: "sending started" in worker.log(), 30)
        os.kill(sender, signal.SIGSTOP)
        try:
            first = store_appeal(runtime, 1)
            worker.wait_for(lambda: f"appeal {first} routed to" in worker.log(), 30)
            time.sleep(1.0)  # five rounds of the reply job, had it run in the worker
            assert letters(mail) == []
        finally:
            os.kill(sender, signal.SIGCONT)
        worker.wait_for(lambda: len(letters(mail)) == 1, 30)

        os.kill(sender, signal.SIGKILL)
        again = worker.wait_for(lambda: (pid := sending_process(worker.process.pid)) != sender and pid, 30)
        assert "the sending process stopped (exit status -9): starting it again" in worker.log()
        second = store_appeal(runtime, 2)
        worker.wait_for(lambda: len(letters(mail)) == 2, 30)
        assert f"appeal {second} routed to" in worker.log()
    assert not alive(again)
    assert "sending stopped" in worker.log()


def test_with_sending_on_a_thread_the_worker_starts_no_process_and_still_acknowledges(runtime, database_url,
                                                                                      tmp_path):
    runtime.settings = dataclasses.replace(runtime.settings, routing="queued")
    env = {**environment(database_url, tmp_path), "APPEALS_SENDING": "thread"}
    mail = tmp_path / "mail"
    appeals_cli(env, "channel", "add", "portal", "--kind", "generic", "--secret", "sending-secret")
    with running_worker(env, tmp_path) as worker:
        store_appeal(runtime, 1)
        worker.wait_for(lambda: len(letters(mail)) == 1, 30)
        assert descendants(worker.process.pid) == {}
        assert "jobs watch, route, sweep, digest, reply, deliver, calendar" in worker.log()


@pytest.mark.parametrize("given", ["processes", "fork", ""])
def test_an_unknown_way_of_sending_is_refused_by_name(given):
    from engine.config import Settings

    with pytest.raises(ValueError, match="APPEALS_SENDING"):
        Settings.from_env({"APPEALS_SENDING": given})
