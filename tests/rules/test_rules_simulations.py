"""Rules simulations as stored jobs: asked for over HTTP, checked at once, run by the worker on a
thread of its own, read back with their progress and report — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.jobs import run_simulation_job
from engine.rulebook.snapshot import read_tree
from engine.scheduler import run_forever
from engine.services import credentials
from engine.services.intake import receive_appeal
from engine.services.rules import backtest, simulations
from engine.store import simulations as store
from engine.store.db import connection
from engine.store.models import AppealRecord, SimulationRecord
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import changed_fallback
from tests.support.staff import bearer, routed

UNCLEAR = "Прошу разъяснить порядок получения справки"  # the fallback routes it to the centre's triage


@pytest.fixture
def policy(runtime):
    return bearer(credentials.create_token(runtime.now(), "policy"))


@pytest.fixture
def appeals(runtime):
    """Two appeals the fallback routes, one pit appeal: the changed fallback moves the first two."""
    return [routed(runtime, UNCLEAR, external_id="s-1", category=None),
            routed(runtime, "Что-то непонятное", external_id="s-2", category=None),
            routed(runtime, external_id="s-3")]


def draft() -> dict[str, str]:
    return changed_fallback(read_tree(RULES_DIR))


def start(client, policy, **body) -> dict:
    answer = client.post("/api/v1/rules/simulate", headers=policy, json={"files": draft(), "replace": True, **body})
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


def without_timing(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "seconds"}


def test_a_simulation_is_answered_202_with_its_record_in_location(runtime, client, policy):
    answer = client.post("/api/v1/rules/simulate", headers=policy,
                         json={"files": draft(), "replace": True, "since_days": 7, "limit": 50})

    assert answer.status_code == 202, answer.get_json()
    queued = answer.get_json()
    assert queued == {"id": queued["id"], "status": "queued", "url": f"/api/v1/rules/simulations/{queued['id']}"}
    assert answer.headers["Location"] == queued["url"]
    shown = client.get(queued["url"], headers=policy).get_json()
    assert shown["status"] == "queued" and shown["progress"] == {"done": 0, "total": None}
    assert shown["requested_by"].startswith("token:") and shown["limit"] == 50
    assert shown["since"] == (runtime.now() - timedelta(days=7)).isoformat()
    assert shown["created_at"] == runtime.now().isoformat() and shown["created_at"].endswith("+00:00")
    assert shown["started_at"] is None and shown["finished_at"] is None
    assert "result" not in shown and "error" not in shown


def test_the_worker_runs_it_and_the_record_shows_progress_and_the_backtests_report(runtime, client, policy,
                                                                                   appeals):
    queued = start(client, policy, since_days=30)

    assert run_simulation_job(runtime) == queued["id"]

    shown = client.get(queued["url"], headers=policy).get_json()
    assert shown["status"] == "done" and shown["progress"] == {"done": 3, "total": 3}
    assert shown["started_at"] == shown["finished_at"] == runtime.now().isoformat()
    direct = backtest.simulate_draft(draft(), runtime.policy_set, since=runtime.now() - timedelta(days=30))
    assert without_timing(shown["result"]) == without_timing(direct)
    assert (shown["result"]["appeals"], shown["result"]["changed"]) == (3, 2)
    assert run_simulation_job(runtime) is None  # nothing else waits


def test_a_draft_that_fails_the_check_is_refused_at_once_and_nothing_is_stored(runtime, client, policy):
    broken = read_tree(RULES_DIR)
    broken["routing/roads.yaml"] = broken["routing/roads.yaml"].replace("body: min-roads", "body: no-such-body")

    answer = client.post("/api/v1/rules/simulate", headers=policy, json={"files": broken, "replace": True})

    assert answer.status_code == 422
    refusal = answer.get_json()
    assert refusal["error"]["code"] == "refused" and "no-such-body" in refusal["error"]["message"]
    assert refusal["findings"][0]["file"] == "routing/roads.yaml" and refusal["findings"][0]["line"] == 20
    for wrong in ({"since_days": 0}, {"since_days": 400}, {"limit": 0}):
        answer = client.post("/api/v1/rules/simulate", headers=policy,
                             json={"files": draft(), "replace": True, **wrong})
        assert answer.status_code == 422 and set(answer.get_json()["error"]["fields"]) == set(wrong)
    assert SimulationRecord.select().count() == 0


def test_an_unknown_simulation_is_a_json_404(client, policy):
    answer = client.get("/api/v1/rules/simulations/424242", headers=policy)

    assert answer.status_code == 404
    assert answer.get_json()["error"] == {"code": "not_found", "message": "no simulation 424242"}


def test_the_list_shows_the_latest_simulations_first_without_their_reports(runtime, client, policy, appeals):
    first = start(client, policy)
    second = start(client, policy, limit=1)
    run_simulation_job(runtime)

    items = client.get("/api/v1/rules/simulations", headers=policy).get_json()["items"]

    assert [(i["id"], i["status"]) for i in items] == [(second["id"], "queued"), (first["id"], "done")]
    assert all("result" not in i and "files" not in i for i in items)
    assert items[1]["progress"] == {"done": 3, "total": 3} and items[0]["url"] == second["url"]
    assert client.get("/api/v1/rules/simulations?limit=0", headers=policy).status_code == 400


@pytest.mark.both_databases
def test_two_claimers_racing_never_both_get_one_simulation(runtime):
    ids = [store.create(files={}, files_hash=None, requested_by="t", since=runtime.now(), limit=None,
                        now=runtime.now()).id for _ in range(30)]
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def claimer(n: int) -> None:
        with connection():
            for _ in range(len(ids)):
                barrier.wait(timeout=20)
                record = store.claim_next(claim=f"claimer-{n}-{len(claimed[n])}", now=runtime.now())
                if record is not None:
                    claimed[n].append(record.id)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == ids
    assert SimulationRecord.select().where(SimulationRecord.status == "running").count() == len(ids)


@pytest.mark.both_databases
def test_a_running_simulation_whose_worker_went_quiet_is_failed_by_the_next_claim(runtime, clock):
    def queue_one() -> int:
        return simulations.submit(draft(), since=runtime.now() - timedelta(days=30), limit=None,
                                  requested_by="t", now=runtime.now())["id"]

    dead, alive = queue_one(), queue_one()
    assert store.claim_next(claim="dead-worker", now=runtime.now()).id == dead
    clock.set(clock() + timedelta(minutes=5))
    assert store.claim_next(claim="live-worker", now=runtime.now()).id == alive
    clock.set(clock() + timedelta(minutes=6))

    assert simulations.run_next(runtime) is None  # nothing queued; the quiet one is failed on the way

    failed, running = simulations.get(dead), simulations.get(alive)
    assert failed["status"] == "failed" and failed["finished_at"] == runtime.now().isoformat()
    assert "stopped: no progress for 10 minutes" in failed["error"]
    assert running["status"] == "running"
    assert not store.record_progress(dead, "dead-worker", done=1, total=3, now=runtime.now())  # too late


def test_a_failing_backtest_fails_its_simulation_with_the_reason(runtime, client, policy, monkeypatch):
    queued = start(client, policy)

    def broken(*args, **kwargs):
        raise RuntimeError("the replay broke")

    monkeypatch.setattr(backtest, "simulate_draft", broken)
    run_simulation_job(runtime)

    shown = client.get(queued["url"], headers=policy).get_json()
    assert (shown["status"], shown["error"]) == ("failed", "RuntimeError: the replay broke")
    assert "result" not in shown


@pytest.mark.both_databases
def test_a_stopping_worker_gives_its_simulation_back_to_the_queue(runtime, client, policy):
    queued = start(client, policy)
    stopping = threading.Event()
    stopping.set()

    assert run_simulation_job(runtime, stopping) == queued["id"]

    shown = client.get(queued["url"], headers=policy).get_json()
    assert shown["status"] == "queued" and shown["started_at"] is None
    assert run_simulation_job(runtime) == queued["id"]
    assert client.get(queued["url"], headers=policy).get_json()["status"] == "done"


def wait_until(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.both_databases
def test_a_simulation_running_in_the_worker_does_not_hold_up_the_routing_job(runtime, client, policy, appeals,
                                                                            monkeypatch):
    queued = start(client, policy)
    inside, release = threading.Event(), threading.Event()
    real = backtest.simulate_draft

    def slow(files, active, *, progress, **kwargs):
        def held(done, total):
            progress(done, total)
            inside.set()
            assert release.wait(20), "the test never let the simulation finish"
        return real(files, active, progress=held, **kwargs)

    monkeypatch.setattr(backtest, "simulate_draft", slow)
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(runtime, stop), kwargs={"tick": 0.05}, daemon=True)
    worker.start()
    try:
        assert inside.wait(30), "the worker did not start the simulation"
        pit = IncomingAppeal(channel="portal", external_id="during", text="На ул. Попова огромные ямы",
                             received_at=runtime.now(), author=Author(name="Анна", type="citizen", contact=None),
                             municipality="barnaul", category="roads", fz59=True, regime="fz59")
        stored = receive_appeal(runtime, pit, "{}", actor="test")  # stored only: the route job routes it

        assert wait_until(lambda: AppealRecord.get_by_id(stored.appeal_id).status == "routed", 5)
        running = client.get(queued["url"], headers=policy).get_json()
        assert running["status"] == "running" and running["progress"] == {"done": 3, "total": 3}
    finally:
        release.set()
    assert wait_until(lambda: simulations.get(queued["id"])["status"] == "done", 10)
    stop.set()
    worker.join(timeout=20)
    assert not worker.is_alive()


def test_the_openapi_document_describes_the_simulation_answers(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "202" in paths["/api/v1/rules/simulate"]["post"]["responses"]
    assert "404" in paths["/api/v1/rules/simulations/{simulation_id}"]["get"]["responses"]
    assert paths["/api/v1/rules/simulations"]["get"]["x-roles"] == ["policy", "admin"]
