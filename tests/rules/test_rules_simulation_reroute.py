"""«Перенаправить эти N обращений»: the open appeals a simulation found changed are re-routed with the
published rules in one audited action; closed ones are left alone; a draft that is not in force is refused."""

from __future__ import annotations

import pytest

from engine.jobs import run_simulation_job
from engine.rulebook.snapshot import read_tree
from engine.services import credentials
from engine.store.appeals import get_appeal
from engine.store.models import AuditRecord
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import changed_fallback
from tests.support.signing import body_of, signed_headers
from tests.support.staff import add_staff, bearer


def post_appeal(client, runtime, external_id: str) -> int:
    body = body_of({"external_id": external_id, "text": "Прошу разъяснить порядок получения справки",
                    "municipality": "barnaul", "regime": "fz59", "fz59": True})
    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers("k", body, int(runtime.now().timestamp())))
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["appeal_id"]


def draft() -> dict[str, str]:
    return changed_fallback(read_tree(RULES_DIR), "min-social")


@pytest.mark.both_databases
def test_the_open_appeals_of_a_simulation_are_rerouted_once_its_rules_are_published(client, runtime):
    tokens = add_staff(runtime)
    policy = bearer(tokens["policy-writer"])
    credentials.add_channel(runtime.now(), "portal", "generic", "k")
    first, second, done = (post_appeal(client, runtime, f"sim-{n}") for n in range(3))
    assert get_appeal(first).body == "cur-triage"
    client.post(f"/api/v1/appeals/{done}/actions/reject", headers=bearer(tokens["centre-manager"]),
                json={"reason": "obscene"})

    queued = client.post("/api/v1/rules/simulate", headers=policy, json={"files": draft(), "since_days": 30})
    assert queued.status_code == 202, queued.get_json()
    simulation = queued.get_json()["id"]
    assert run_simulation_job(runtime) == simulation
    report = client.get(f"/api/v1/rules/simulations/{simulation}", headers=policy).get_json()["result"]
    assert report["changed"] == 3 and sorted(report["changed_appeals"]) == sorted([first, second, done])

    early = client.post(f"/api/v1/rules/simulations/{simulation}/reroute", headers=policy,
                        json={"reason": "сортировку передали соцзащите"})
    assert early.status_code == 409 and "сначала опубликуйте" in early.get_json()["error"]["message"]
    assert get_appeal(first).body == "cur-triage"

    published = client.post("/api/v1/rules/publish", headers=policy,
                            json={"files": draft(), "comment": "сортировку передали соцзащите"})
    assert published.status_code == 201, published.get_json()
    rerouted = client.post(f"/api/v1/rules/simulations/{simulation}/reroute", headers=policy,
                           json={"reason": "сортировку передали соцзащите"})

    assert rerouted.status_code == 200, rerouted.get_json()
    assert rerouted.get_json() == {"simulation": simulation, "affected": 3, "rerouted": 2,
                                   "moved": sorted([first, second]), "unchanged": []}
    assert get_appeal(first).body == get_appeal(second).body == "min-social"
    assert get_appeal(done).body == "cur-triage" and get_appeal(done).status == "rejected"
    [batch] = AuditRecord.select().where(AuditRecord.action == "rules.simulation_rerouted")
    assert batch.actor == "user:policy-writer" and batch.details["simulation"] == simulation
    assert sorted(batch.details["appeals"]) == sorted([first, second])
    timeline = client.get(f"/api/v1/appeals/{first}/timeline", headers=policy).get_json()["items"]
    reroute = next(e for e in timeline if e["kind"] == "appeal.reroute")
    assert reroute["details"]["reason"] == f"сортировку передали соцзащите (по симуляции №{simulation})"
    assert reroute["details"]["from_body"] == "cur-triage" and reroute["details"]["body"] == "min-social"


def test_a_reroute_needs_a_reason_and_a_finished_simulation(client, runtime):
    policy = bearer(add_staff(runtime)["policy-writer"])

    no_reason = client.post("/api/v1/rules/simulations/1/reroute", headers=policy, json={})
    unknown = client.post("/api/v1/rules/simulations/99/reroute", headers=policy, json={"reason": "x"})

    assert no_reason.status_code == 422
    assert unknown.status_code == 404 and unknown.get_json()["error"]["message"] == "нет симуляции №99"
