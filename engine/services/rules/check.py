"""Checking a draft rules folder before it may go live: load (schema and references), static
analysis, engine limits, a trial build of the engine rulesets and every case of every
``*_test.yaml`` (routing, escalation ladders, deadline policies: ``engine.rulebook.cases``) — all in a
child process with a time limit, so a draft can never hang or crash the service.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.rulebook.analysis import Finding, analyse, coverage
from engine.rulebook.locate import line_of
from engine.rulebook.sandbox import SandboxCrash, SandboxTimeout, run_isolated
from engine.rulebook.snapshot import SnapshotError, read_tree, tree_hash

DEFAULT_TIMEOUT = 120.0


@dataclass
class CheckReport:
    files_hash: str | None
    version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    cases_passed: int = 0
    cases_failed: list[dict] = field(default_factory=list)
    case_errors: list[str] = field(default_factory=list)
    uncovered_rules: list[str] = field(default_factory=list)
    uncovered_policies: list[str] = field(default_factory=list)
    coverage: dict | None = None
    build_seconds: float | None = None
    rules: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def ok(self) -> bool:
        """Publishable: no error finding, no failed case, no broken case file."""
        return not self.errors and not self.cases_failed and not self.case_errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok, "files_hash": self.files_hash, "version": self.version, "rules": self.rules,
            "errors": [f.to_dict() for f in self.findings if f.level == "error"],
            "warnings": [f.to_dict() for f in self.findings if f.level == "warning"],
            "info": [f.to_dict() for f in self.findings if f.level == "info"],
            "cases": {"passed": self.cases_passed, "failed": self.cases_failed, "file_errors": self.case_errors,
                      "rules_without_cases": self.uncovered_rules,
                      "policies_without_cases": self.uncovered_policies},
            "coverage": self.coverage, "build_seconds": self.build_seconds,
        }


def check_folder(rules_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> CheckReport:
    """The check of a rules folder: its YAML files, and the region's map when the folder ships one."""
    from engine.domain.region_map import MapDataError
    from engine.policyset.region_map_file import MAP_FILE, check_folder_map

    try:
        files = read_tree(rules_dir)
    except SnapshotError as exc:
        return CheckReport(None, findings=[Finding("error", "files", str(exc))])
    report = check_files(files, timeout=timeout)
    try:
        check_folder_map(rules_dir)
    except MapDataError as exc:
        report.findings.append(Finding("error", "map", str(exc), MAP_FILE.as_posix()))
    return report


def check_files(files: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> CheckReport:
    """The full check of a draft (relative path → YAML text), run in a child process."""
    try:
        digest = tree_hash(files)
        raw = run_isolated(check_in_this_process, (files,), timeout)
    except SnapshotError as exc:
        return CheckReport(None, findings=[Finding("error", "files", str(exc))])
    except SandboxTimeout as exc:
        return CheckReport(digest, findings=[Finding("error", "engine-timeout", f"building the rules {exc}; the "
                                                     "engine may loop on this ruleset: split or simplify it")])
    except SandboxCrash as exc:
        return CheckReport(digest, findings=[Finding("error", "engine-crash", f"building the rules failed: {exc}")])
    report = CheckReport(digest)
    report.__dict__.update({k: v for k, v in raw.items() if k != "findings"})
    report.findings = [Finding(**f) for f in raw["findings"]]
    return report


def check_in_this_process(files: dict[str, str]) -> dict:
    """Everything the check does, in the current process (the child's entry point)."""
    import tempfile

    from engine.policyset import PolicySetError, load_policy_set
    from engine.rulebook.cases import run_cases
    from engine.rulebook.snapshot import write_tree

    out: dict = {"findings": []}
    with tempfile.TemporaryDirectory(prefix="appeals-draft-") as tmp:
        write_tree(files, Path(tmp))
        try:
            policy = load_policy_set(Path(tmp))
        except PolicySetError as exc:
            message = str(exc).removeprefix(f"{tmp}: ")
            file, line = line_of(files, message)
            out["findings"].append(asdict_finding(Finding("error", "load", message, file, None, line)))
            return out
        rulebook = policy.rulebook
        out["version"] = rulebook.version
        out["rules"] = len(rulebook.rules)
        findings = analyse(rulebook)
        out["findings"] = [asdict_finding(f) for f in _with_lines(findings, files)]
        if any(f.level == "error" and f.code == "engine-limit" for f in findings):
            return out  # never build what the engine cannot take
        started = time.perf_counter()
        rulebook.warm_up()
        out["build_seconds"] = round(time.perf_counter() - started, 3)
        cases = run_cases(policy, Path(tmp))
        out["cases_passed"] = cases.passed
        out["cases_failed"] = [{"file": r.file, "case": r.name, "failures": list(r.failures)} for r in cases.failed]
        out["case_errors"] = list(cases.errors)
        out["uncovered_rules"] = list(cases.uncovered_rules)
        out["uncovered_policies"] = list(cases.uncovered_policies)
        municipalities = {b.get("municipality") for b in policy.directory_doc.get("bodies", [])} - {None}
        topics = set(policy.directory_doc.get("sectors") or {}) or None
        if topics:
            out["coverage"] = coverage(rulebook, topics, municipalities).to_dict()
    return out


def _with_lines(findings: list[Finding], files: dict[str, str]) -> list[Finding]:
    from engine.rulebook.locate import rule_lines

    lines: dict[str, dict[str, int]] = {}
    out = []
    for f in findings:
        if f.file in files and f.rule is not None:
            if f.file not in lines:
                lines[f.file] = rule_lines(files[f.file])
            f = Finding(f.level, f.code, f.message, f.file, f.rule, lines[f.file].get(f.rule))
        out.append(f)
    return out


def asdict_finding(f: Finding) -> dict:
    return {"level": f.level, "code": f.code, "message": f.message, "file": f.file, "rule": f.rule, "line": f.line}
