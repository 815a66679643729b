"""Cases of the routing rules: ``routing/<name>_test.yaml`` beside each ruleset.

``given`` holds facts of the vocabulary (plus ``text``, turned into words and lemmas).
``expect`` may hold: ``rule`` (fired), ``rules`` (all fired), ``not_rules`` (none fired),
``route_rule``, ``body``, ``role``, ``policy``, ``priority``, ``topic``, ``subtopic``,
``official``, ``fz59_special``, ``control`` (true or false), ``sector`` (the centre's sector block:
a rule's set_sector, else the topic's in lexicon.yaml, else the body's), ``tags`` (all present) and
``notify_now`` (all present). Every
case runs through ``Rulebook.decide`` (the production path) and ``decide_reference``; the two
decisions must be identical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import FactError
from ..vocabulary import FACTS
from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

SCALARS = ("body", "role", "policy", "priority", "topic", "subtopic", "official", "fz59_special", "control",
           "sector")
EXPECT = set(SCALARS) | {"rule", "rules", "not_rules", "route_rule", "tags", "notify_now"}


class RoutingCases:
    gap = "rules"

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        return {rs.file[: -len(".yaml")] + "_test.yaml": f"набора правил {rs.name}"
                for rs in policy_set.rulebook.rulesets.values()}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        problems = [f"поле given.{k}: неизвестный факт" for k in given if k not in FACTS]
        problems += [f"поле expect.{k}: неизвестное ожидание; возможны: {', '.join(sorted(EXPECT))}"
                     for k in expect if k not in EXPECT]
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        rulebook = policy_set.rulebook
        try:
            decision = rulebook.decide(given)
            reference = rulebook.decide_reference(given)
        except FactError as exc:
            return CaseResult(rel, name, (f"given: {exc}",))
        failures = []
        if decision != reference:
            failures.append(f"движок и эталонный вычислитель разошлись: {', '.join(decision.rule_ids)} "
                            f"и {', '.join(reference.rule_ids)}")
        got = {
            "body": decision.body, "role": decision.role, "policy": decision.policy,
            "priority": decision.priority, "topic": decision.topic, "subtopic": decision.subtopic,
            "official": decision.official, "fz59_special": decision.fz59_special, "control": decision.control,
            "sector": policy_set.sector_of(decision.topic, decision.body, decision.sector),
        }
        for key in SCALARS:
            if key in expect and expect[key] != got[key]:
                failures.append(f"{key}: ожидалось {expect[key]!r}, получено {got[key]!r}")
        if "route_rule" in expect and expect["route_rule"] != decision.route_rule_id:
            failures.append(f"route_rule: ожидалось {expect['route_rule']}, получено {decision.route_rule_id}")
        fired = set(decision.rule_ids) | {rid.split(":")[0] for rid in decision.rule_ids}  # a table, or its row
        wanted = ([expect["rule"]] if "rule" in expect else []) + as_list(expect.get("rules"))
        for rid in wanted:
            if rid not in fired:
                failures.append(f"правило {rid} не сработало (сработали: {', '.join(decision.rule_ids)})")
        for rid in as_list(expect.get("not_rules")):
            if rid in fired:
                failures.append(f"правило {rid} сработало, а не должно было")
        for key, have in (("tags", decision.tags), ("notify_now", decision.notify_now)):
            missing = [t for t in as_list(expect.get(key)) if t not in have]
            if missing:
                failures.append(f"{key}: нет {missing} (есть {list(have)})")
        return CaseResult(rel, name, tuple(failures), tuple(rid.split(":")[0] for rid in decision.rule_ids))

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        fired = {rid for r in results for rid in r.covers}
        return [rid for rid in policy_set.rulebook.rules if rid not in fired]


def as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
