"""The rules folder becomes version 0 when the first change is published (or at the service's first start),
so the first publish can be rolled back; a publish based on a version that is no longer active is refused
instead of silently undoing the one in force. Refusals are in Russian."""

from __future__ import annotations

import pytest

from engine.rulebook.snapshot import read_tree, tree_hash
from engine.services import credentials
from engine.services.rules import versions
from engine.store.models import AuditRecord
from tests.support.paths import RULES_DIR

FALLBACK = "routing/fallback.yaml"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def changed(text_from: str, text_to: str) -> dict[str, str]:
    return {FALLBACK: read_tree(RULES_DIR)[FALLBACK].replace(text_from, text_to)}


@pytest.fixture
def policy(runtime):
    return credentials.create_token(runtime.now(), "policy")


@pytest.mark.both_databases
def test_the_first_publish_stores_the_folder_as_version_0_and_can_be_rolled_back_to_it(client, runtime, policy):
    published = client.post("/api/v1/rules/publish", headers=bearer(policy), json={
        "files": changed("Ответственный не определён", "Ответственный пока не определён"),
        "comment": "уточнили описание", "based_on": 0})

    assert published.status_code == 201, published.get_json()
    assert published.get_json()["version"]["parent"] == 0
    listed = client.get("/api/v1/rules/versions", headers=bearer(policy)).get_json()["items"]
    folder = next(v for v in listed if v["id"] == 0)
    assert folder["author"] == "system" and folder["active"] is False
    assert tree_hash(versions.version_detail(0)["files"]) == tree_hash(read_tree(RULES_DIR))
    assert AuditRecord.get(AuditRecord.action == "rules.adopted").details["version"] == 0

    rolled = client.post("/api/v1/rules/rollback", headers=bearer(policy),
                         json={"version": 0, "reason": "вернуть как было"})

    assert rolled.status_code == 200, rolled.get_json()
    assert rolled.get_json()["version"]["rules_version"] == runtime.policy_set.rulebook.version
    assert runtime.policy_set.rulebook.rules["route-fallback"].description.startswith("Ответственный не определён")
    assert [h["action"] for h in versions.history()] == ["rollback", "publish", "initial"]


@pytest.mark.both_databases
def test_storing_the_folder_happens_once(runtime):
    first = versions.adopt_folder(runtime.policy_set, runtime.now())
    again = versions.adopt_folder(runtime.policy_set, runtime.now())

    assert first["id"] == 0 and first["active"] is True and again is None
    assert [v["id"] for v in versions.versions()] == [0]


def test_a_publish_of_the_unchanged_folder_is_version_1_with_nothing_before_it(runtime):
    version, _ = versions.publish(read_tree(RULES_DIR), actor="t", comment="исходные", now=runtime.now())
    assert versions.adopt_folder(runtime.policy_set, runtime.now(), draft=read_tree(RULES_DIR)) is None

    assert version["id"] == 1 and [v["id"] for v in versions.versions()] == [1]


def test_a_publish_based_on_a_version_no_longer_active_is_refused_in_russian(client, policy):
    first = client.post("/api/v1/rules/publish", headers=bearer(policy), json={
        "files": changed("Ответственный не определён", "Ответственный пока не определён"),
        "comment": "первое изменение", "based_on": 0})
    assert first.status_code == 201

    stale = client.post("/api/v1/rules/publish", headers=bearer(policy), json={
        "files": changed("Ответственный не определён", "Исполнитель не определён"),
        "comment": "второе изменение из устаревшей вкладки", "based_on": 0})

    assert stale.status_code == 409
    message = stale.get_json()["error"]["message"]
    assert "тем временем стала действующей версия правил 1" in message
    assert versions.active_version_id() == 1


def test_refusals_of_the_rules_api_are_russian(client, policy):
    no_comment = client.post("/api/v1/rules/publish", headers=bearer(policy),
                             json={"files": changed("не определён", "пока не определён"), "comment": " "})
    no_version = client.post("/api/v1/rules/rollback", headers=bearer(policy), json={"version": 42, "reason": "x"})

    assert "комментарий к публикации обязателен" in no_comment.get_json()["error"]["message"]
    assert no_version.status_code == 404 and no_version.get_json()["error"]["message"] == "нет версии правил 42"
