"""Static analysis of a loaded rulebook for policy staff: engine limits, unsafe patterns, rules
that never fire (contradictions or shadowing in ``first``/``priority`` stages), overlaps
(information) and the topic × municipality combinations that fall to the route fallback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import logic
from .limits import engine_limits, pattern_problem
from .model import iter_leaves

MAX_OVERLAPS_LISTED = 200


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning" | "info"
    code: str
    message: str
    file: str | None = None
    rule: str | None = None
    line: int | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def text(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        level = {"error": "ОШИБКА", "warning": "ВНИМАНИЕ", "info": "СВЕДЕНИЯ"}.get(self.level, self.level.upper())
        return f"{level:8} {where + ': ' if where else ''}{self.message}"


@dataclass
class Coverage:
    fallback_rule: str
    combinations: int
    to_fallback: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"fallback_rule": self.fallback_rule, "combinations": self.combinations,
                "to_fallback": [{"topic": t, "municipality": m} for t, m in self.to_fallback]}


def analyse(rulebook) -> list[Finding]:
    findings: list[Finding] = []
    for stage in rulebook.stages:
        file_of = {r.id: r.file for r in stage.rules}
        for level, rid, message in engine_limits(stage):
            findings.append(Finding(level, "engine-limit", message, file_of.get(rid), rid))
        for rule in stage.rules:
            for leaf in iter_leaves(rule.when):
                if leaf.op == "matches":
                    problem = pattern_problem(leaf.value)
                    if problem:
                        findings.append(Finding("error", "unsafe-pattern", f"правило {rule.id}: шаблон {leaf.value!r}: "
                                                f"{problem}", rule.file, rule.id))
        findings += _dead_and_overlapping(stage)
    return findings


def _dead_and_overlapping(stage) -> list[Finding]:
    out: list[Finding] = []
    forms = [logic.dnf(rule.when) for rule in stage.rules]
    live = []
    for rule, form in zip(stage.rules, forms, strict=True):
        if logic.never_true(form):
            out.append(Finding("error", "contradiction", f"правило {rule.id}: его условия противоречат друг "
                                                          "другу, оно никогда не сработает", rule.file, rule.id))
        else:
            live.append((rule, form))
    if stage.hit_policy == "collect":
        return out
    overlaps = 0
    for i, (rule, form) in enumerate(live):
        for earlier, eform in live[:i]:
            if earlier.when is None or logic.implies(form, eform):
                out.append(Finding("error", "shadowed", f"правило {rule.id} никогда не срабатывает: всё, что оно "
                                                        f"ловит, раньше забирает правило {earlier.id} ({earlier.file});"
                                                        " поставьте его выше или сузьте то правило",
                                   rule.file, rule.id))
                break
            if rule.when is not None and logic.overlap(form, eform):
                overlaps += 1
                if overlaps <= MAX_OVERLAPS_LISTED:
                    out.append(Finding("info", "overlap", f"правила {earlier.id} и {rule.id} могут подойти к одному "
                                                          f"обращению; сработает {earlier.id} (оно выше)",
                                       rule.file, rule.id))
    if overlaps > MAX_OVERLAPS_LISTED:
        out.append(Finding("info", "overlap", f"этап {stage.name}: всего пересекающихся пар {overlaps}, "
                                              f"показаны {MAX_OVERLAPS_LISTED}"))
    return out


def coverage(rulebook, topics, municipalities) -> Coverage:
    """Which topic × municipality combinations (with no other facts) reach the route fallback."""
    route = next(s for s in rulebook.stages if s.name == "route")
    fallback = route.rules[-1].id
    report = Coverage(fallback, 0)
    for topic in sorted(topics):
        for municipality in sorted(municipalities):
            report.combinations += 1
            decision = rulebook.decide_reference({"topic": topic, "municipality": municipality})
            if decision.route_rule_id == fallback:
                report.to_fallback.append((topic, municipality))
    return report
