"""The directory API: bodies with time zones and hours, officials with deputies; YAML export and import."""

from __future__ import annotations

import yaml

from engine.rulebook.snapshot import read_tree
from engine.services import credentials
from engine.services.rules import versions
from engine.store.models import AuditRecord
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import edited_policy
from tests.support.staff import bearer
from webhooks import create_app


def token(rt, role):
    return bearer(credentials.create_token(rt.now(), role))


def test_bodies_carry_level_parent_time_zone_and_working_hours(client, runtime):
    items = client.get("/api/v1/directory/bodies", headers=token(runtime, "official")).get_json()["items"]

    committee = next(b for b in items if b["id"] == "barnaul-roads-committee")
    assert committee["level"] == "municipal"
    assert committee["parent"] == "barnaul-admin"
    assert committee["timezone"] == "Asia/Barnaul"
    assert committee["working_hours"]["windows"]


def test_officials_show_positions_and_deputies_but_not_contacts(client, runtime):
    answer = client.get("/api/v1/directory/officials", headers=token(runtime, "manager"))

    assert answer.status_code == 200
    first = answer.get_json()["items"][0]
    assert {"id", "name", "positions", "deputies", "absences"} <= set(first)
    assert "email" not in first


def test_an_export_imports_back_unchanged_and_a_broken_file_is_refused_with_the_reason(client, runtime):
    exported = client.get("/api/v1/directory/export", headers=token(runtime, "policy"))
    admin = token(runtime, "admin")

    same = client.post("/api/v1/directory/import", data=exported.get_data(), headers=admin)
    broken = client.post("/api/v1/directory/import", data="bodies:\n  - {id: x, name: X, sector: nowhere, hours: h}\n",
                         headers=admin)

    assert exported.mimetype == "application/yaml"
    assert same.status_code == 200
    assert same.get_json()["bodies_added"] == [] and same.get_json()["applied"] is False
    assert broken.status_code == 422
    assert "unknown sector" in broken.get_json()["error"]["message"]


def test_applying_an_import_needs_a_comment_publishes_a_rules_version_and_leaves_the_folder_alone(
        runtime, tmp_path):
    runtime.policy_set = edited_policy(tmp_path)
    client = create_app(runtime, {"TESTING": True}).test_client()
    folder = read_tree(tmp_path / "rules")
    doc = yaml.safe_load((tmp_path / "rules" / "directory.yaml").read_text(encoding="utf-8"))
    doc["bodies"].append({"id": "biysk-roads", "name": "Дорожный отдел Бийска", "level": "municipal",
                          "municipality": "biysk", "sector": "roads", "parent": "biysk-admin",
                          "hours": "municipal-office"})
    text = yaml.safe_dump(doc, allow_unicode=True)

    silent = client.post("/api/v1/directory/import?apply=true", headers=token(runtime, "admin"), data=text)
    answer = client.post("/api/v1/directory/import?apply=true&comment=Новый отдел", headers=token(runtime, "admin"),
                         data=text)

    assert silent.status_code == 422 and "comment" in silent.get_json()["error"]["fields"]
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["bodies_added"] == ["biysk-roads"]
    assert answer.get_json()["version"]["comment"] == "Новый отдел"
    assert "biysk-roads" in runtime.policy_set.directory.bodies
    assert read_tree(tmp_path / "rules") == folder
    assert [v["id"] for v in versions.versions()] == [answer.get_json()["version"]["id"], versions.FOLDER_VERSION]
    assert AuditRecord.get(AuditRecord.action == "directory.imported").actor.startswith("token:")
    published = AuditRecord.get(AuditRecord.action == "rules.published")
    assert published.details["comment"] == "Новый отдел" and published.details["origin"] == "127.0.0.1"


def test_a_directory_that_leaves_a_rule_without_its_body_is_refused_with_the_check_findings(client, runtime):
    doc = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    doc["bodies"] = [b for b in doc["bodies"] if b["id"] != "min-transport"]
    for person in doc["officials"]:
        person["positions"] = [p for p in person["positions"] if p.get("body") != "min-transport"]

    answer = client.post("/api/v1/directory/import?apply=true&comment=Минтранс упразднён",
                         headers=token(runtime, "admin"), data=yaml.safe_dump(doc, allow_unicode=True))

    assert answer.status_code == 422, answer.get_json()
    assert any("min-transport" in f["message"] for f in answer.get_json()["findings"])
    assert versions.versions() == []
    assert "min-transport" in runtime.policy_set.directory.bodies
