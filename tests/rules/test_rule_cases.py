"""Every case of every *_test.yaml under rules/ (routing rules, escalation ladder selection,
deadline policies) through the one case runner that `appeals rules test`, `check` and publishing use.

The cases are listed for test ids by reading the files only; the runner runs once per session."""

from __future__ import annotations

import pytest

from engine.rulebook.cases import list_cases, run_cases
from tests.support.paths import RULES_DIR

CASES = list_cases(RULES_DIR)


@pytest.fixture(scope="session")
def case_report(policy_set):
    return run_cases(policy_set, RULES_DIR)


@pytest.mark.parametrize(("file", "name"), CASES, ids=[f"{file}::{name}" for file, name in CASES])
def test_rule_case(case_report, file, name):
    result = next((r for r in case_report.results if (r.file, r.name) == (file, name)), None)
    assert result is not None, "\n".join(e for e in case_report.errors if e.startswith(f"{file}: {name}: "))
    assert result.passed, "; ".join(result.failures)


def test_the_cases_listed_are_the_cases_run(case_report):
    assert {(r.file, r.name) for r in case_report.results} == set(CASES)
    assert {f for f, _ in CASES} >= {"escalation_test.yaml", "deadline_policies_test.yaml", "routing/roads_test.yaml"}


def test_case_files_are_valid_and_every_rule_file_has_its_cases(case_report):
    assert not case_report.errors, "\n".join(case_report.errors)


def test_every_rule_is_exercised_by_some_case(case_report):
    assert not case_report.uncovered_rules, case_report.uncovered_rules


def test_every_deadline_policy_has_cases(case_report):
    assert not case_report.uncovered_policies, case_report.uncovered_policies
