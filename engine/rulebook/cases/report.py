"""What a run of the rule cases found: each case's result, problems with the case files
themselves, and what no case exercises. Messages are for policy staff, in Russian."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseResult:
    file: str  # the case file, relative to the rules folder
    name: str
    failures: tuple[str, ...]  # what differed from the expectation; empty when the case passed
    covers: tuple[str, ...] = ()  # the rule ids that fired, or the deadline policy the case counted

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class CaseReport:
    results: list[CaseResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with case files themselves ("file: case: …")
    uncovered_rules: list[str] = field(default_factory=list)  # rules (routing, escalation) no case made fire
    uncovered_policies: list[str] = field(default_factory=list)  # deadline policies no case counts

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.passed for r in self.results)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    def totals(self) -> str:
        """The closing line: "57/57 случаев пройдено, 0 не пройдено, ошибок в файлах случаев: 0"."""
        return (f"{self.passed}/{len(self.results)} случаев пройдено, {len(self.failed)} не пройдено, "
                f"ошибок в файлах случаев: {len(self.errors)}")

    def gaps(self) -> list[str]:
        """What no case exercises (a warning: it does not stop publishing)."""
        lines = []
        if self.uncovered_rules:
            lines.append("правила, которые не проверяет ни один случай: " + ", ".join(self.uncovered_rules))
        if self.uncovered_policies:
            lines.append("политики сроков без случаев: " + ", ".join(self.uncovered_policies))
        return lines

    def summary(self) -> str:
        lines = [f"{r.file}: {r.name}: {'; '.join(r.failures)}" for r in self.failed]
        lines += self.errors
        lines.append(self.totals())
        return "\n".join(lines + self.gaps())
