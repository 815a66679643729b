"""Every message a staff member reads is Russian: refusals, field checks, rule check findings; a misspelt id
gets «возможно, имелось в виду …» with the name it was probably meant to be."""

from __future__ import annotations

import pytest

from engine.rulebook.snapshot import read_tree
from engine.services import credentials
from tests.support.paths import RULES_DIR
from tests.support.staff import add_staff, bearer, routed


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def act(client, token, appeal_id, name, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))


def test_a_misspelt_body_in_a_forward_gets_the_body_it_was_probably_meant_to_be(client, tokens, runtime):
    answer = act(client, tokens["roads-official"], routed(runtime), "forward", body="min-road", reason="не наше")

    assert answer.status_code == 422
    name = runtime.policy_set.directory.bodies["min-roads"].name
    assert answer.get_json()["error"]["message"] == (
        f"в справочнике нет органа 'min-road'; возможно, имелось в виду min-roads («{name}»)")


def test_field_checks_and_refusals_are_russian(client, tokens, runtime):
    appeal_id = routed(runtime)

    wrong_days = act(client, tokens["centre-manager"], appeal_id, "extend", days="десять", reason="экспертиза")
    official_extends = act(client, tokens["roads-official"], appeal_id, "extend", days=5, reason="экспертиза")
    missing = act(client, tokens["roads-official"], appeal_id, "forward", body="min-roads")

    assert wrong_days.status_code == 422
    assert wrong_days.get_json()["error"] == {"code": "invalid_fields", "message": "поля заполнены неверно: days",
                                              "fields": {"days": ["нужно целое число"]}}
    assert official_extends.status_code == 403
    assert official_extends.get_json()["error"]["message"] == "роли «сотрудник органа» это недоступно"
    assert missing.get_json()["error"]["fields"] == {"reason": ["обязательное поле"]}


def test_a_rule_check_finding_about_a_misspelt_body_is_russian_and_suggests_the_body(client, runtime):
    policy = credentials.create_token(runtime.now(), "policy")
    roads = read_tree(RULES_DIR)["routing/roads.yaml"].replace("body: min-roads", "body: min-raods", 1)

    answer = client.post("/api/v1/rules/validate", json={"files": {"routing/roads.yaml": roads}},
                         headers={"Authorization": f"Bearer {policy}"})

    assert answer.status_code == 422
    finding = answer.get_json()["findings"][0]
    assert finding["file"] == "routing/roads.yaml" and finding["line"]
    assert "в справочнике нет органа 'min-raods'; возможно, имелось в виду min-roads" in finding["message"]
