"""Re-routing an open appeal with the active rules: one action, with a reason, audited, answered with
the new decision and its explanation."""

from __future__ import annotations

import re

import pytest

from engine.rulebook.snapshot import read_tree
from engine.services.rules import versions
from engine.store import appeals as store
from engine.store.models import DecisionRecord
from tests.support.paths import RULES_DIR
from tests.support.staff import PASSWORD, add_staff, bearer, routed

UNCLEAR = "Прошу разъяснить порядок получения справки"


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def csrf(client, url: str) -> str:
    """The CSRF token a page carries (the login form's field, or the session's meta tag)."""
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf[_-]token" (?:value|content)="([^"]+)"', page).group(1)


def reroute(client, token, appeal_id, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/reroute", json=payload, headers=bearer(token))


def publish_fallback_to(runtime, body: str) -> None:
    """Publish the rules with the catch-all sending appeals to `body` (its test cases follow)."""
    draft = {rel: (text.replace("body: cur-triage", f"body: {body}") if rel.startswith("routing/") else text)
             for rel, text in read_tree(RULES_DIR).items()}
    versions.publish(draft, actor="user:policy-writer", comment=f"сортировка передана: {body}", now=runtime.now())
    runtime.policy_source.refresh()


def test_after_a_rules_change_a_reroute_moves_the_appeal_and_answers_with_the_new_decision_and_why(
        runtime, client, tokens):
    appeal_id = routed(runtime, external_id="triage-1", text=UNCLEAR, category=None)
    assert store.get_appeal(appeal_id).body == "cur-triage"
    client.post(f"/api/v1/appeals/{appeal_id}/actions/take", headers=bearer(tokens["centre-manager"]))
    publish_fallback_to(runtime, "min-social")

    answer = reroute(client, tokens["policy-writer"], appeal_id, reason="Сортировку передали соцзащите")

    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert result["changed"] is True and result["status"] == "routed"
    assert (result["from_body"], result["body"]) == ("cur-triage", "min-social")
    assert result["rule"] == "route-fallback" and result["version"] == runtime.policy_set.rulebook.version
    assert result["from_version"] != result["version"]
    assert result["reason"] == "Сортировку передали соцзащите"
    assert result["decision"]["body"] == "min-social"
    assert result["decision"]["ruleset_version"] == runtime.policy_set.rulebook.version
    assert "route-fallback" in result["decision"]["explanation_text"]
    assert store.current_assignment(appeal_id).body == "min-social"
    entry = next(a for a in store.audit_trail(appeal_id) if a.action == "appeal.reroute")
    assert entry.actor == "user:policy-writer"
    assert entry.details["reason"] == "Сортировку передали соцзащите"
    assert entry.details["origin"] == "127.0.0.1"
    assert (entry.details["status_before"], entry.details["status"]) == ("in_progress", "routed")
    events = client.get(f"/api/v1/appeals/{appeal_id}/timeline", headers=bearer(tokens["policy-writer"])).get_json()
    rerouted = next(e for e in events["items"] if e["kind"] == "appeal.reroute")
    assert "min-social" in rerouted["details"]["explanation"]


def test_a_reroute_that_changes_nothing_keeps_the_status_and_the_executor_but_records_the_decision(
        runtime, client, tokens):
    appeal_id = routed(runtime)
    client.post(f"/api/v1/appeals/{appeal_id}/actions/take", headers=bearer(tokens["roads-official"]))

    answer = reroute(client, tokens["roads-manager"], appeal_id, reason="Проверка после жалобы автора")

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["changed"] is False
    assert answer.get_json()["status"] == "in_progress"
    assert answer.get_json()["official"] == "roads-official"
    assert store.current_assignment(appeal_id).official == "roads-official"
    assert DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).count() == 2


def test_a_reroute_needs_a_reason_an_allowed_role_and_an_open_appeal(runtime, client, tokens):
    appeal_id = routed(runtime)
    official, manager = tokens["roads-official"], tokens["roads-manager"]

    no_reason = reroute(client, manager, appeal_id)
    blank = reroute(client, manager, appeal_id, reason="   ")
    by_official = reroute(client, official, appeal_id, reason="Не наш вопрос")
    unknown = reroute(client, manager, 999999, reason="Проверка")
    client.post(f"/api/v1/appeals/{appeal_id}/actions/reject", json={"reason": "obscene"}, headers=bearer(official))
    finished = reroute(client, manager, appeal_id, reason="Проверка")

    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert blank.status_code == 422 and "reason" in blank.get_json()["error"]["fields"]
    assert by_official.status_code == 403
    assert unknown.status_code == 404
    assert finished.status_code == 409
    assert "оставлено без ответа по существу" in finished.get_json()["error"]["message"]
    assert not [a for a in store.audit_trail(appeal_id) if a.action == "appeal.reroute"]


def test_the_reroute_lives_only_among_the_actions(runtime, client, tokens):
    appeal_id = routed(runtime)

    gone = client.post(f"/api/v1/appeals/{appeal_id}/reroute", json={"reason": "Проверка"},
                       headers=bearer(tokens["roads-manager"]))
    offered = client.get(f"/api/v1/appeals/{appeal_id}/actions", headers=bearer(tokens["policy-writer"])).get_json()

    assert gone.status_code == 404
    assert [a["name"] for a in offered["actions"]] == ["reroute"]


def test_on_the_appeal_page_a_manager_reroutes_with_a_reason_and_sees_it_in_the_history(runtime, client, tokens):
    appeal_id = routed(runtime)
    client.post("/login", data={"login": "roads-manager", "password": PASSWORD, "csrf_token": csrf(client, "/login")})
    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
    form = page[page.index('data-action="reroute"'):]
    form = form[:form.index("</form>")]

    without = client.post(f"/appeals/{appeal_id}/do/reroute", data={"csrf_token": csrf(client, "/queue")})
    done = client.post(f"/appeals/{appeal_id}/do/reroute",
                       data={"csrf_token": csrf(client, "/queue"), "reason": "Проверка после жалобы автора"})

    assert 'name="reason"' in form and "required" in form
    assert without.status_code == 302 and done.status_code == 302
    reasons = [a.details["reason"] for a in store.audit_trail(appeal_id) if a.action == "appeal.reroute"]
    assert reasons == ["Проверка после жалобы автора"]
    assert "Проверка после жалобы автора" in client.get(f"/appeals/{appeal_id}").get_data(as_text=True)
