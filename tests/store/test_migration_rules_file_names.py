"""Migration 13 renames the lexicon and the deadline policies in stored rules versions, so an old
version still loads (and rolls back) after the files were renamed in the folder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.policyset import load_policy_set_from_files
from engine.rulebook.snapshot import read_tree, tree_hash
from engine.store.migrations import m0013_rules_file_names
from engine.store.rule_versions import RuleVersionRecord, create_version
from tests.support.paths import RULES_DIR

pytestmark = pytest.mark.both_databases


def test_a_version_stored_with_the_old_file_names_loads_after_the_migration(runtime, tmp_path):
    files = read_tree(RULES_DIR)
    old = {{"lexicon.yaml": "topics.yaml", "deadline_policies.yaml": "deadlines.yaml"}.get(rel, rel): text
           for rel, text in files.items()}
    record = create_version(old, tree_hash(old), "v-old", "admin", "before the rename", None,
                            datetime(2026, 11, 1, tzinfo=UTC))

    m0013_rules_file_names.apply(RuleVersionRecord._meta.database)
    m0013_rules_file_names.apply(RuleVersionRecord._meta.database)  # twice changes nothing

    stored = RuleVersionRecord.get_by_id(record.id)
    assert "topics.yaml" not in stored.files and "deadlines.yaml" not in stored.files
    assert stored.files == files and stored.files_hash == tree_hash(files)
    policy_set = load_policy_set_from_files(stored.files, cache_root=tmp_path)
    assert policy_set.reader is not None and "fz59" in policy_set.policies
