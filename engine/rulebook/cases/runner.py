"""One runner for every ``*_test.yaml`` of a rules folder.

A case file sits beside the rule file it tests and holds ``cases: [{name, given, expect}]``.
Three kinds exist, each beside its rule file:

- ``routing/<name>_test.yaml`` beside each routing ruleset (``routing.RoutingCases``);
- ``escalation_test.yaml`` beside the ladder selection rules (``ladders.LadderCases``);
- ``deadline_policies_test.yaml`` beside the deadline policies (``deadlines.DeadlineCases``);
- ``replies_test.yaml`` beside the messages to the resident (``replies.ReplyCases``);
- ``routing/monitoring_test.yaml`` beside the complaint stage of watched walls (``monitoring.MonitoringCases``);
- ``incidents_test.yaml`` beside the grouping into incidents (``incidents.IncidentCases``).

A rule file without its case file, a case file that belongs to no rule file, a case that
cannot be read and a case that fails all make the report not ok: nothing is skipped silently.
``run_cases`` is what the test suite, ``appeals rules test``, ``appeals rules check``, the rules
editor and publishing run; ``list_cases`` only reads the files (for test ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from engine.yaml_load import safe_load

from .deadlines import DeadlineCases
from .incidents import IncidentCases
from .ladders import LadderCases
from .monitoring import MonitoringCases
from .replies import ReplyCases
from .report import CaseReport, CaseResult
from .routing import RoutingCases

if TYPE_CHECKING:
    from engine.policyset import PolicySet

CASE_SUFFIX = "_test.yaml"
CASE_FIELDS = {"name", "given", "expect"}


class CaseKind(Protocol):
    gap: str  # "rules" or "policies": what `uncovered` lists

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        """Case file (relative path) → what it tests, in words."""

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        """What is wrong with a case itself (unknown facts, clocks, values); empty when it can run."""

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult: ...

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]: ...


KINDS: tuple[CaseKind, ...] = (RoutingCases(), LadderCases(), DeadlineCases(), ReplyCases(), MonitoringCases(),
                               IncidentCases())


def run_cases(policy_set: PolicySet, rules_dir: Path) -> CaseReport:
    """Every case of every ``*_test.yaml`` in ``rules_dir`` against the loaded ``policy_set``."""
    rules_dir = Path(rules_dir)
    report = CaseReport()
    known: set[str] = set()
    for kind in KINDS:
        results = []
        for rel, what in sorted(kind.owners(policy_set).items()):
            known.add(rel)
            path = rules_dir / rel
            if not path.is_file():
                report.errors.append(f"{rel}: нет файла случаев для {what}")
                continue
            cases, errors = read_case_file(path, rel)
            report.errors.extend(errors)
            for name, given, expect in cases:
                problems = kind.problems(policy_set, given, expect)
                if problems:
                    report.errors.extend(f"{rel}: {name}: {p}" for p in problems)
                    continue
                results.append(kind.run(policy_set, rel, name, given, expect))
        report.results.extend(results)
        uncovered = kind.uncovered(policy_set, results)
        (report.uncovered_rules if kind.gap == "rules" else report.uncovered_policies).extend(uncovered)
    for rel in case_file_names(rules_dir):
        if rel not in known:
            tested = rel[: -len(CASE_SUFFIX)] + ".yaml"
            report.errors.append(f"{rel}: файл случаев ни к чему не относится: {tested} — не набор правил "
                                 "из pipeline.yaml, не escalation.yaml, не deadline_policies.yaml, не replies.yaml "
                                 "и не incidents.yaml")
    return report


def case_file_names(rules_dir: Path) -> list[str]:
    """Every ``*_test.yaml`` under the folder (relative paths; hidden folders left out, as a rules
    version leaves them out)."""
    root = Path(rules_dir)
    names = []
    for path in sorted(root.rglob(f"*{CASE_SUFFIX}")):
        rel = path.relative_to(root)
        if not any(part.startswith(".") for part in rel.parts):
            names.append(rel.as_posix())
    return names


def list_cases(rules_dir: Path) -> list[tuple[str, str]]:
    """(case file, case name) of every readable case, without running anything."""
    out = []
    for rel in case_file_names(rules_dir):
        cases, _ = read_case_file(Path(rules_dir) / rel, rel)
        out += [(rel, name) for name, _, _ in cases]
    return out


def read_case_file(path: Path, rel: str) -> tuple[list[tuple[str, dict, dict]], list[str]]:
    """The cases of one file as (name, given, expect), and what is wrong with the file."""
    try:
        doc = safe_load(Path(path).read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError) as exc:
        return [], [f"{rel}: файл не читается: {exc}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list) or not doc["cases"]:
        return [], [f"{rel}: поле cases: нужен непустой список случаев"]
    extra = set(doc) - {"cases"}
    errors = [f"{rel}: поле {k}: неизвестное поле; в файле случаев есть только cases" for k in sorted(extra)]
    cases, seen = [], set()
    for i, case in enumerate(doc["cases"]):
        if not isinstance(case, dict) or set(case) - CASE_FIELDS or "expect" not in case:
            errors.append(f"{rel}: cases[{i}]: нужен словарь с полями name, given, expect")
            continue
        name = str(case.get("name") or f"случай {i + 1}")
        if name in seen:
            errors.append(f"{rel}: {name}: имя случая повторяется; у каждого случая в файле своё имя")
            continue
        seen.add(name)
        given, expect = case.get("given") or {}, case["expect"]
        if not isinstance(given, dict):
            errors.append(f"{rel}: {name}: поле given: нужен словарь")
        elif not isinstance(expect, dict) or not expect:
            errors.append(f"{rel}: {name}: поле expect: нужен непустой словарь")
        else:
            cases.append((name, given, expect))
    return cases, errors
