"""An applied directory import is a rules version: published through the same checks, followed by every
process, undone by a rollback, and never written into the rules folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

from engine.rulebook.snapshot import read_tree, tree_hash
from engine.services import credentials
from engine.services.rules import versions
from engine.store.models import AuditRecord
from tests.support.paths import ROOT, RULES_DIR
from tests.support.smtp import free_port
from tests.support.staff import bearer

NEW_BODY = {"id": "biysk-roads", "name": "Дорожный отдел Бийска", "level": "municipal", "municipality": "biysk",
            "sector": "roads", "parent": "biysk-admin", "hours": "municipal-office"}


def directory_with(*bodies: dict) -> str:
    doc = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    doc["bodies"].extend(bodies)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def get_json(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=bearer(token))
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def body_ids(base: str, token: str) -> set[str]:
    status, answer = get_json(f"{base}/api/v1/directory/bodies", token)
    assert status == 200, answer
    return {b["id"] for b in answer["items"]}


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


@pytest.fixture
def other_process(runtime, database_url, tmp_path):
    """`appeals serve` in a process of its own, on the test database, started from the rules folder."""
    env = {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
           "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_LOG_LEVEL": "WARNING"}
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "webhooks.cli", "serve", "--port", str(port)], env=env,
                                   cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return process.poll() is not None

    try:
        assert wait_for(healthy, 60) and process.poll() is None, log_path.read_text()
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.both_databases
@pytest.mark.slow
def test_an_applied_directory_is_a_version_another_process_follows_and_a_rollback_restores(
        runtime, client, other_process):
    admin = credentials.create_token(runtime.now(), "admin")
    policy = credentials.create_token(runtime.now(), "policy")
    folder = tree_hash(read_tree(RULES_DIR))
    first = versions.version_detail(versions.FOLDER_VERSION)  # `appeals serve` stored the folder as it started
    assert first is not None and first["active"] and tree_hash(first["files"]) == folder
    assert "biysk-roads" not in body_ids(other_process, policy)

    applied = client.post("/api/v1/directory/import?apply=true&comment=Создан дорожный отдел Бийска",
                          data=directory_with(NEW_BODY), headers=bearer(admin))

    assert applied.status_code == 200, applied.get_json()
    version = applied.get_json()["version"]
    assert applied.get_json()["applied"] is True and applied.get_json()["bodies_added"] == ["biysk-roads"]
    assert version["parent"] == first["id"] and version["comment"] == "Создан дорожный отдел Бийска"
    stored = versions.version_detail(version["id"])["files"]
    before = versions.version_detail(first["id"])["files"]
    assert "biysk-roads" in stored["directory.yaml"]
    assert {k: v for k, v in stored.items() if k != "directory.yaml"} == {
        k: v for k, v in before.items() if k != "directory.yaml"}
    assert tree_hash(read_tree(RULES_DIR)) == folder  # the working rules folder is not written
    assert "biysk-roads" in runtime.policy_set.directory.bodies
    assert wait_for(lambda: "biysk-roads" in body_ids(other_process, policy)), "the other process kept the old one"
    imported = AuditRecord.get(AuditRecord.action == "directory.imported")
    assert imported.actor.startswith("token:") and imported.details["version"] == version["id"]
    assert imported.details["comment"] == "Создан дорожный отдел Бийска" and imported.details["origin"]

    rolled = client.post("/api/v1/rules/rollback", headers=bearer(policy),
                         json={"version": first["id"], "reason": "отдел ещё не создан"})

    assert rolled.status_code == 200, rolled.get_json()
    assert wait_for(lambda: "biysk-roads" not in body_ids(other_process, policy)), "the other process did not roll back"
    runtime.policy_source.refresh()
    assert "biysk-roads" not in runtime.policy_set.directory.bodies
    assert [(h["action"], h["version"]) for h in versions.history()] == [
        ("rollback", first["id"]), ("publish", version["id"]), ("initial", first["id"])]


@pytest.mark.both_databases
def test_an_import_checked_while_another_version_went_live_is_refused_rather_than_undoing_it(
        runtime, monkeypatch):
    first, _ = versions.publish(read_tree(RULES_DIR), actor="t", comment="исходные правила", now=runtime.now())
    meanwhile = {rel: (text.replace("body: cur-triage", "body: min-social") if rel.startswith("routing/") else text)
                 for rel, text in read_tree(RULES_DIR).items()}
    real_check = versions.check_files

    def check_while_someone_publishes(files, **options):
        report = real_check(files, **options)
        monkeypatch.setattr(versions, "check_files", real_check)
        versions.publish(meanwhile, actor="user:другой", comment="сортировку передали соцзащите", now=runtime.now())
        return report

    monkeypatch.setattr(versions, "check_files", check_while_someone_publishes)
    with pytest.raises(versions.RulesRefused) as refused:
        versions.publish_directory(directory_with(NEW_BODY), fallback_dir=RULES_DIR, actor="t",
                                comment="Создан дорожный отдел Бийска", now=runtime.now())

    assert refused.value.status == 409 and "заново" in str(refused.value)
    active = versions.versions()[0]
    assert active["active"] and active["comment"] == "сортировку передали соцзащите"
    assert len(versions.versions()) == 2 and active["parent"] == first["id"]
    assert not AuditRecord.select().where(AuditRecord.action == "directory.imported").exists()
