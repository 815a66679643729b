"""Runs every *_test.yaml case under rules/ through the production path and the reference."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.rulebook import load_rulebook
from engine.rulebook.cases import run_cases
from tests.support.paths import RULES_DIR

POLICIES = {"fz59", "fz59-migration", "pos-message", "incident", "incident-high"}


def _rulebook():
    d = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    return load_rulebook(
        RULES_DIR, bodies={b["id"] for b in d["bodies"]}, roles=set(d["roles"]), policies=POLICIES
    )


_REPORT = run_cases(_rulebook(), RULES_DIR)


@pytest.mark.parametrize("result", _REPORT.results, ids=lambda r: f"{r.file}::{r.name}")
def test_rule_case(result):
    assert result.passed, "; ".join(result.failures)


def test_case_files_are_valid_and_every_ruleset_has_cases():
    assert not _REPORT.errors, "\n".join(_REPORT.errors)


def test_every_rule_is_exercised_by_some_case():
    assert not _REPORT.uncovered_rules, _REPORT.uncovered_rules


def test_all_case_files_beside_rulesets_belong_to_a_ruleset():
    rb = _rulebook()
    used = {rs.file[: -len(".yaml")] + "_test.yaml" for rs in rb.rulesets.values()}
    folders = {Path(f).parent for f in used}
    found = {p.relative_to(RULES_DIR).as_posix()
             for folder in folders for p in (RULES_DIR / folder).glob("*_test.yaml")}
    assert found <= used, sorted(found - used)
