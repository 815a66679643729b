"""A hostile directory file at the import is a 422 JSON error naming what is wrong, never a 500,
and nothing is published."""

from __future__ import annotations

import pytest
import yaml

from engine.services import credentials
from engine.store import rule_versions
from tests.support.paths import RULES_DIR
from tests.support.staff import bearer


@pytest.fixture
def admin(runtime):
    return bearer(credentials.create_token(runtime.now(), "admin"))


def directory_with(**changes) -> bytes:
    doc = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    doc.update(changes)
    return yaml.safe_dump(doc, allow_unicode=True).encode()


def office_hours(**schedule) -> dict:
    doc = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    return {**doc["working_hours"], "regional-office": schedule}


def import_(client, admin, raw: bytes, apply=False):
    url = "/api/v1/directory/import" + ("?apply=true&comment=test" if apply else "")
    return client.post(url, data=raw, headers={**admin, "Content-Type": "application/yaml"})


@pytest.mark.parametrize("raw", [b"[" * 10_000 + b"]" * 10_000, b"a: " + b"{b: " * 5_000 + b"1" + b"}" * 5_000,
                                 b"- " * 3_000 + b"x"], ids=["flow list", "flow mapping", "block list"])
def test_a_deeply_nested_yaml_is_422(client, admin, raw):
    answer = import_(client, admin, raw, apply=True)

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"]["code"] == "invalid_directory"
    assert rule_versions.active_version() is None


@pytest.mark.parametrize("hours", [[None, None], None, "9-18", {"weekdays": None}, {"x": [None, None]},
                                   {"default": [None, None]}, {"default": {"mon": [None, None]}},
                                   office_hours(windows=[None, None]), office_hours(windows=[[None, None]]),
                                   office_hours(windows=[["25:00", "99:99"]]), office_hours(windows="09-18")])
@pytest.mark.parametrize("apply", [False, True])
def test_working_hours_that_are_not_a_schedule_are_422(client, admin, hours, apply):
    answer = import_(client, admin, directory_with(working_hours=hours), apply=apply)

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert "working" in answer.get_json()["error"]["message"]
    assert rule_versions.active_version() is None


@pytest.mark.parametrize("changes", [{"officials": [True]}, {"bodies": ["min-roads"]}, {"officials": {"a": 1}},
                                     {"bodies": 7}], ids=["official true", "body a string", "officials a mapping",
                                                          "bodies a number"])
def test_entries_that_are_not_mappings_are_422_naming_the_field(client, admin, changes):
    answer = import_(client, admin, directory_with(**changes), apply=True)

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert next(iter(changes)) in answer.get_json()["error"]["message"]
    assert rule_versions.active_version() is None
@pytest.mark.parametrize("changes", [{"officials": [True]}, {"bodies": [7]}, {"bodies": "x"}, {"roles": [1, 2]},
                                     {"officials": [{"id": "x", "positions": [True]}]}])
def test_a_directory_of_the_wrong_shape_is_422(client, admin, changes):
    answer = import_(client, admin, directory_with(**changes))

    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"]["code"] == "invalid_directory"
