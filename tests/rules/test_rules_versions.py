"""Rule versions in the database: publish (only when checked), hot reload, history, diff,
rollback, export, backtest and re-routing — through the services, the CLI and the HTTP API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.rulebook.snapshot import read_tree
from engine.services import credentials
from engine.services.rules import backtest, versions
from engine.store.models import AuditRecord, DecisionRecord
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import changed_fallback
from tests.support.signing import body_of, signed_headers


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def portal(runtime):
    credentials.add_channel(runtime.now(), "portal", "generic", "k")


def post_appeal(client, clock, external_id: str, text: str, municipality: str = "barnaul"):
    body = body_of({"external_id": external_id, "text": text, "municipality": municipality, "regime": "fz59",
                    "fz59": True})
    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers("k", body, int(clock().timestamp())))
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["appeal_id"]


def test_publishing_needs_a_comment_and_a_passing_check(runtime):
    files = read_tree(RULES_DIR)
    with pytest.raises(versions.RulesRefused, match="комментарий"):
        versions.publish(files, actor="t", comment=" ", now=runtime.now())
    broken = dict(files)
    broken["routing/roads.yaml"] = broken["routing/roads.yaml"].replace("body: min-roads", "body: no-such-body")
    with pytest.raises(versions.RulesRefused) as refused:
        versions.publish(broken, actor="t", comment="сломать", now=runtime.now())
    errors = refused.value.report.errors
    assert errors and errors[0].file == "routing/roads.yaml" and errors[0].line == 20
    assert "no-such-body" in errors[0].message
    failing_case = dict(files)
    failing_case["routing/roads_test.yaml"] = failing_case["routing/roads_test.yaml"].replace(
        "body: min-roads}", "body: min-health}", 1)
    with pytest.raises(versions.RulesRefused, match="ожидалось 'min-health'"):
        versions.publish(failing_case, actor="t", comment="тест не проходит", now=runtime.now())
    assert versions.versions() == []


@pytest.mark.parametrize(("rel", "old", "new", "refusal"), [
    ("escalation_test.yaml", "expect: {rule: esc-answer, ladder: answer}", "expect: {rule: esc-answer, ladder: none}",
     "случай escalation_test.yaml: ответ по 59-ФЗ идёт по лестнице ответа при любом приоритете: ladder: ожидалась "
     "лестница none, получена answer"),
    ("deadline_policies_test.yaml", 'answer: "Mon 2026-06-01 23:59"', 'answer: "Fri 2026-05-29 23:59"',
     "случай deadline_policies_test.yaml: 59-ФЗ, поступило перед майскими праздниками; ответ с субботы 30 мая — на "
     "понедельник 1 июня: answer: ожидалось Fri 2026-05-29 23:59, получено Mon 2026-06-01 23:59:59"),
])
def test_a_wrong_escalation_or_deadline_case_refuses_publishing(runtime, rel, old, new, refusal):
    files = read_tree(RULES_DIR)
    assert old in files[rel]
    files[rel] = files[rel].replace(old, new, 1)
    with pytest.raises(versions.RulesRefused) as refused:
        versions.publish(files, actor="t", comment="случай не проходит", now=runtime.now())

    assert refusal in str(refused.value)
    assert [(c["file"], len(c["failures"])) for c in refused.value.report.cases_failed] == [(rel, 1)]
    assert versions.versions() == []


def test_publish_switches_every_process_diff_history_rollback_and_export(runtime, client, clock, tmp_path, portal):
    runtime.policy_source.poll_seconds = 0
    folder_version = runtime.policy_set.rulebook.version
    first, _ = versions.publish(read_tree(RULES_DIR), actor="user:анна", comment="исходная политика", now=runtime.now())
    assert runtime.policy_set.rulebook.version == first["rules_version"] == folder_version

    clock.set(clock() + timedelta(minutes=5))
    second, _ = versions.publish(changed_fallback(read_tree(RULES_DIR)), actor="user:анна",
                              comment="сортировку передали соцзащите", now=runtime.now())
    assert runtime.policy_set.rulebook.version == second["rules_version"] != first["rules_version"]
    appeal = post_appeal(client, clock, "v-1", "Прошу разъяснить порядок получения справки")
    decision = DecisionRecord.get(DecisionRecord.appeal == appeal)
    assert (decision.body, decision.route_rule_id, decision.ruleset_version) == (
        "min-social", "route-fallback", second["rules_version"])

    change = versions.diff(first["id"], second["id"])
    assert [c["rule"] for c in change["changed"]] == ["route-fallback"]
    assert change["changed"][0]["fields"] == ["then"]

    back = versions.rollback(first["id"], actor="user:борис", reason="ошибка в адресате", now=runtime.now())
    assert back["id"] == first["id"] and runtime.policy_set.rulebook.version == first["rules_version"]
    assert [(h["action"], h["version"], h["actor"]) for h in versions.history()] == [
        ("rollback", first["id"], "user:борис"), ("publish", second["id"], "user:анна"),
        ("publish", first["id"], "user:анна")]
    audited = [a.action for a in AuditRecord.select().where(AuditRecord.action.startswith("rules."))]
    assert audited == ["rules.published", "rules.published", "rules.rolled_back"]

    exported, extra = versions.export(tmp_path / "out")
    assert exported["id"] == first["id"] and extra == []
    assert read_tree(tmp_path / "out") == read_tree(RULES_DIR)


def test_backtest_reports_changes_grouped_by_rule_with_deadlines(runtime, client, clock, portal):
    post_appeal(client, clock, "b-1", "Прошу разъяснить порядок получения справки")
    post_appeal(client, clock, "b-2", "На ул. Попова огромные ямы")
    post_appeal(client, clock, "b-3", "Что-то непонятное")
    seen = []
    draft = changed_fallback(read_tree(RULES_DIR), body="barnaul-admin")
    result = backtest.simulate_draft(draft, runtime.policy_set, since=runtime.now() - timedelta(days=30),
                                     progress=lambda done, total: seen.append((done, total)))
    assert (result["appeals"], result["changed"]) == (3, 2)
    assert result["changed_fields"]["body"] == 2 and result["reused_decisions"] == 3
    (group,) = result["groups"]
    assert (group["old_rule"], group["new_rule"], group["appeals"]) == ("route-fallback", "route-fallback", 2)
    example = group["examples"][0]
    assert example["before"]["body"] == "cur-triage" and example["after"]["body"] == "barnaul-admin"
    assert seen[-1] == (3, 3)


def test_rules_api_for_policy_staff(runtime, client, clock, portal):
    policy = bearer(credentials.create_token(runtime.now(), "policy"))
    official = bearer(credentials.create_token(runtime.now(), "official"))
    assert client.get("/api/v1/rules/versions", headers=official).status_code == 403

    bad = client.post("/api/v1/rules/validate", headers=policy, json={
        "files": {"routing/roads.yaml": "ruleset: routing/roads\nhit_policy: first\nrules:\n  - id: x\n"}})
    assert bad.status_code == 422
    finding = bad.get_json()["findings"][0]
    assert finding["file"] == "routing/roads.yaml" and finding["line"] == 4

    refused = client.post("/api/v1/rules/publish", headers=policy, json={"files": {}, "comment": ""})
    assert refused.status_code == 422

    cases = read_tree(RULES_DIR)["deadline_policies_test.yaml"].replace('answer: "Mon 2026-06-01 23:59"',
                                                                        'answer: "Mon 2026-06-08 23:59"')
    tested = client.post("/api/v1/rules/test", headers=policy, json={"files": {
        "deadline_policies_test.yaml": cases, "escalation_test.yaml": "cases: []\n"}})
    assert tested.status_code == 422
    result = tested.get_json()
    assert [(c["file"], c["failures"]) for c in result["cases"]["failed"]] == [
        ("deadline_policies_test.yaml", ["answer: ожидалось Mon 2026-06-08 23:59, получено Mon 2026-06-01 23:59:59"])]
    assert result["cases"]["file_errors"] == ["escalation_test.yaml: поле cases: нужен непустой список случаев"]
    assert {"level": "error", "file": "escalation_test.yaml",
            "message": "поле cases: нужен непустой список случаев"} in result["findings"]

    draft = changed_fallback(read_tree(RULES_DIR))
    published = client.post("/api/v1/rules/publish", headers=policy, json={
        "files": {"routing/fallback.yaml": draft["routing/fallback.yaml"],
                  "routing/fallback_test.yaml": draft["routing/fallback_test.yaml"],
                  **{k: v for k, v in draft.items() if k.endswith("_test.yaml")}},
        "comment": "соцзащита вместо сортировки"})
    assert published.status_code == 201, published.get_json()
    version = published.get_json()["version"]
    listed = client.get("/api/v1/rules/versions", headers=policy).get_json()
    assert listed["items"][0]["id"] == version["id"] and listed["items"][0]["active"]
    assert listed["in_use"] == version["rules_version"]
    detail = client.get(f"/api/v1/rules/versions/{version['id']}", headers=policy).get_json()
    assert "body: min-social" in detail["files"]["routing/fallback.yaml"]

    appeal = post_appeal(client, clock, "api-1", "Прошу разъяснить порядок получения справки")
    reroute = f"/api/v1/appeals/{appeal}/actions/reroute"
    assert client.post(reroute, headers=official, json={"reason": "x"}).status_code == 403
    assert client.post(reroute, headers=policy, json={}).status_code == 422
    rolled = client.post("/api/v1/rules/rollback", headers=policy, json={"version": version["id"], "reason": "x"})
    assert rolled.status_code == 409  # already active
    assert client.get("/api/v1/rules/history", headers=policy).get_json()["items"][0]["action"] == "publish"


def test_rerouting_an_open_appeal_uses_the_active_rules_and_is_audited(runtime, client, clock, portal):
    runtime.policy_source.poll_seconds = 0
    manager = bearer(credentials.create_token(runtime.now(), "manager"))
    appeal = post_appeal(client, clock, "r-1", "Прошу разъяснить порядок получения справки")
    versions.publish(changed_fallback(read_tree(RULES_DIR)), actor="t", comment="соцзащита", now=runtime.now())

    answer = client.post(f"/api/v1/appeals/{appeal}/actions/reroute", headers=manager,
                         json={"reason": "новая политика"})

    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert result["changed"] and (result["from_body"], result["body"]) == ("cur-triage", "min-social")
    assert result["version"] == runtime.policy_set.rulebook.version
    audit = AuditRecord.get(AuditRecord.action == "appeal.reroute")
    assert audit.details["reason"] == "новая политика" and audit.actor.startswith("token:")
    assert client.post("/api/v1/appeals/999999/actions/reroute", headers=manager,
                       json={"reason": "x"}).status_code == 404
