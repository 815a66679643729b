"""Migration 14 names the triage desk in stored rules versions and simulation drafts, so a version
published before `triage_body` was required still loads, rolls back and decides as before."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from engine.policyset import load_policy_set_from_files
from engine.rulebook.snapshot import read_tree, tree_hash
from engine.store import simulations
from engine.store.migrations import m0014_directory_triage_body
from engine.store.models import SimulationRecord
from engine.store.rule_versions import RuleVersionRecord, create_version
from tests.support.paths import RULES_DIR

BEFORE = datetime(2026, 11, 1, tzinfo=UTC)


def without_triage_body(files: dict[str, str]) -> dict[str, str]:
    lines = files["directory.yaml"].splitlines(keepends=True)
    kept = "".join(line for line in lines if not line.startswith("triage_body:"))
    assert kept != files["directory.yaml"]
    return {**files, "directory.yaml": kept}


def apply_twice() -> None:
    database = RuleVersionRecord._meta.database
    m0014_directory_triage_body.apply(database)
    m0014_directory_triage_body.apply(database)  # twice changes nothing


def test_a_version_and_a_draft_stored_without_a_triage_body_name_cur_triage_and_load(runtime, tmp_path):
    files = read_tree(RULES_DIR)
    old = without_triage_body(files)
    version = create_version(old, tree_hash(old), "v-old", "admin", "before triage_body", None, BEFORE)
    draft = simulations.create(files=old, files_hash=tree_hash(old), requested_by="user:policy", since=BEFORE,
                               limit=None, now=BEFORE)

    apply_twice()

    stored = RuleVersionRecord.get_by_id(version.id)
    assert stored.files["directory.yaml"].endswith("triage_body: cur-triage\n")
    assert stored.files_hash == tree_hash(stored.files)
    assert {k: v for k, v in stored.files.items() if k != "directory.yaml"} == {
        k: v for k, v in files.items() if k != "directory.yaml"}
    policy_set = load_policy_set_from_files(stored.files, cache_root=tmp_path)
    assert policy_set.directory.triage_body == "cur-triage"
    assert SimulationRecord.get_by_id(draft.id).files == stored.files


def test_a_stored_directory_without_the_cur_triage_body_is_left_as_it_was_and_reported(runtime, caplog):
    files = without_triage_body(read_tree(RULES_DIR))
    files["directory.yaml"] = files["directory.yaml"].replace("id: cur-triage", "id: centre-desk")
    version = create_version(files, tree_hash(files), "v-renamed", "admin", "another desk", None, BEFORE)

    with caplog.at_level(logging.WARNING):
        apply_twice()

    assert RuleVersionRecord.get_by_id(version.id).files == files
    assert f"rule_version_record {version.id}: directory.yaml names no triage_body" in caplog.text


def test_a_version_that_names_its_triage_desk_is_not_touched(runtime):
    files = read_tree(RULES_DIR)
    version = create_version(files, tree_hash(files), "v-new", "admin", "current", None, BEFORE)

    apply_twice()

    stored = RuleVersionRecord.get_by_id(version.id)
    assert stored.files == files and stored.files_hash == tree_hash(files)
