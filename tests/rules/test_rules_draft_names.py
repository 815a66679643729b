"""A rules draft names its files as paths inside the rules folder, and nothing else: a backslash,
'..', a NUL or a control character is refused as a bad name (422 naming the field), never
published; a deletion of something that is not a rules file is refused, not ignored."""

from __future__ import annotations

import pytest

from engine.rulebook.snapshot import SnapshotError, check_name
from engine.services import credentials
from engine.store import rule_versions
from tests.support.staff import bearer

BAD_NAMES = ["routing\\..\\..\\x.yaml", "routing/../../x.yaml", "../x.yaml", "/etc/x.yaml", "routing/x\x00.yaml",
             "routing/\x01x.yaml", "C:\\x.yaml", ".hidden.yaml", "routing//x.yaml", "routing/ x.yaml", "x.yml",
             "routing/x.yaml/", "x" * 400 + ".yaml", "routing\\x.yaml"]
YAML = "ruleset: routing/extra\nhit_policy: first\nrules: []\n"


@pytest.fixture
def policy(runtime):
    return bearer(credentials.create_token(runtime.now(), "policy"))


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_file_name_is_refused_by_the_name_check(name):
    with pytest.raises(SnapshotError):
        check_name(name)


@pytest.mark.parametrize("name", ["routing/roads.yaml", "calendar/ru-2027.yaml", "directory.yaml", "a_b.c-d.yaml",
                                  "маршруты/дороги.yaml"])
def test_a_path_inside_the_folder_is_a_good_name(name):
    assert check_name(name) == name


@pytest.mark.parametrize("route", ["validate", "test", "publish", "simulate"])
@pytest.mark.parametrize("name", ["routing\\..\\..\\x.yaml", "routing/x\x00.yaml", "../../x.yaml"])
def test_a_draft_with_a_bad_file_name_is_422_naming_files_and_nothing_is_published(client, policy, route, name):
    answer = client.post(f"/api/v1/rules/{route}", headers=policy,
                         json={"files": {name: YAML}, "comment": "плохое имя"})

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_fields" and "files" in error["fields"]
    assert "expected a relative path" in error["message"]
    assert rule_versions.active_version() is None


@pytest.mark.parametrize("deleted", [["../../../etc/passwd"], ["routing\\roads.yaml"], ["routing/nope.yaml"],
                                     ["routing/roads.yaml\x00"], [7]])
@pytest.mark.parametrize("route", ["validate", "publish"])
def test_a_deletion_that_is_not_a_rules_file_is_422_naming_deleted(client, policy, route, deleted):
    answer = client.post(f"/api/v1/rules/{route}", headers=policy, json={"deleted": deleted, "comment": "удалить"})

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_fields" and list(error["fields"]) == ["deleted"]
    assert rule_versions.active_version() is None
