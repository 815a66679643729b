"""Runs the ``*_test.yaml`` cases that sit beside rule files.

Case file: ``cases: [{name, given, expect}]``. ``given`` holds facts of the vocabulary (plus
``text``, turned into words/lemmas). ``expect`` may hold: ``rule`` (fired), ``rules`` (all
fired), ``not_rules`` (none fired), ``route_rule``, ``body``, ``role``, ``policy``,
``priority``, ``topic``, ``subtopic``, ``official``, ``fz59_special``, ``tags`` (all present)
and ``notify_now`` (all present). Every case runs through ``Rulebook.decide`` (production
path) and ``decide_reference``; the two decisions must be identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import Decision, FactError
from .vocabulary import FACTS

_SCALARS = ("body", "role", "policy", "priority", "topic", "subtopic", "official", "fz59_special")
_EXPECT = set(_SCALARS) | {"rule", "rules", "not_rules", "route_rule", "tags", "notify_now"}


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    failures: tuple[str, ...]
    decision: Decision | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class CaseReport:
    results: list[CaseResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with case files themselves
    uncovered_rules: list[str] = field(default_factory=list)  # rules no case made fire

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.passed for r in self.results)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    def summary(self) -> str:
        lines = [f"{r.file}: {r.name}: {'; '.join(r.failures)}" for r in self.failed]
        lines += self.errors
        passed = sum(r.passed for r in self.results)
        lines.append(f"{passed}/{len(self.results)} cases passed, {len(self.errors)} file errors")
        if self.uncovered_rules:
            lines.append("rules no case exercises: " + ", ".join(self.uncovered_rules))
        return "\n".join(lines)


def run_cases(rulebook, rules_dir: Path) -> CaseReport:
    """Run every case file that belongs to a ruleset of the rulebook."""
    rules_dir = Path(rules_dir)
    report = CaseReport()
    fired: set[str] = set()
    for rs in sorted(rulebook.rulesets.values(), key=lambda r: r.file):
        rel = rs.file[: -len(".yaml")] + "_test.yaml"
        path = rules_dir / rel
        if not path.is_file():
            report.errors.append(f"{rel}: missing test file for ruleset {rs.name}")
            continue
        results, errors = run_case_file(rulebook, path, rel)
        report.results.extend(results)
        report.errors.extend(errors)
        for r in results:
            if r.decision is not None:
                fired.update(rid.split(":")[0] for rid in r.decision.rule_ids)
    report.uncovered_rules = [rid for rid in rulebook.rules if rid not in fired]
    return report


def run_case_file(rulebook, path: Path, rel: str) -> tuple[list[CaseResult], list[str]]:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError) as exc:
        return [], [f"{rel}: cannot read: {exc}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list) or not doc["cases"]:
        return [], [f"{rel}: field cases: expected a non-empty list of cases"]
    results, errors = [], []
    for i, case in enumerate(doc["cases"]):
        if not isinstance(case, dict) or set(case) - {"name", "given", "expect"} or "expect" not in case:
            errors.append(f"{rel}: cases[{i}]: expected a mapping with name, given, expect")
            continue
        name = str(case.get("name") or f"case {i + 1}")
        given, expect = case.get("given") or {}, case["expect"]
        problems = _check_case_shape(given, expect)
        if problems:
            errors.extend(f"{rel}: {name}: {p}" for p in problems)
            continue
        results.append(run_case(rulebook, rel, name, given, expect))
    return results, errors


def _check_case_shape(given, expect) -> list[str]:
    problems = []
    if not isinstance(given, dict):
        problems.append("field given: expected a mapping")
    else:
        problems += [f"field given.{k}: unknown fact" for k in given if k not in FACTS]
    if not isinstance(expect, dict) or not expect:
        problems.append("field expect: expected a non-empty mapping")
    else:
        problems += [f"field expect.{k}: unknown expectation" for k in expect if k not in _EXPECT]
    return problems


def run_case(rulebook, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
    try:
        decision = rulebook.decide(given)
        reference = rulebook.decide_reference(given)
    except FactError as exc:
        return CaseResult(rel, name, (f"given: {exc}",))
    failures = []
    if decision != reference:
        failures.append(f"engine and reference disagree: {decision.rule_ids} vs {reference.rule_ids}")
    got = {
        "body": decision.body, "role": decision.role, "policy": decision.policy,
        "priority": decision.priority, "topic": decision.topic, "subtopic": decision.subtopic,
        "official": decision.official, "fz59_special": decision.fz59_special,
    }
    for key in _SCALARS:
        if key in expect and expect[key] != got[key]:
            failures.append(f"{key}: expected {expect[key]!r}, got {got[key]!r}")
    if "route_rule" in expect and expect["route_rule"] != decision.route_rule_id:
        failures.append(f"route_rule: expected {expect['route_rule']}, got {decision.route_rule_id}")
    fired = set(decision.rule_ids) | {rid.split(":")[0] for rid in decision.rule_ids}  # a table, or its row
    wanted = ([expect["rule"]] if "rule" in expect else []) + list(_as_list(expect.get("rules")))
    for rid in wanted:
        if rid not in fired:
            failures.append(f"rule {rid} did not fire (fired: {', '.join(decision.rule_ids)})")
    for rid in _as_list(expect.get("not_rules")):
        if rid in fired:
            failures.append(f"rule {rid} fired but should not")
    for key, have in (("tags", decision.tags), ("notify_now", decision.notify_now)):
        missing = [t for t in _as_list(expect.get(key)) if t not in have]
        if missing:
            failures.append(f"{key}: missing {missing} (got {list(have)})")
    return CaseResult(rel, name, tuple(failures), decision)


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
