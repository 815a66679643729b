"""Cases of the escalation ladder selection rules: ``escalation_test.yaml`` beside ``escalation.yaml``.

``given`` holds the facts a selection rule may test (clock_kind, policy, regime, priority, …;
each checked against the fact's allowed values). ``expect`` holds ``ladder`` (the ladder the
clock climbs, ``none`` when no rule matches) and may hold ``rule`` (the rule that picks it) and
``order``: the roles the ladder alerts, level after level, each role at its first level
(``[executor, head_of_body, sector_head, centre_head]``: the sector head hears before the centre head).
The rules run in the engine and in the reference evaluator, which must agree, and the ladder is
taken as production takes it (``PolicySet.ladder_for``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

NO_LADDER = "none"
EXPECT = ("ladder", "rule", "order")
TYPES = {"str": str, "int": int, "bool": bool}


class LadderCases:
    gap = "rules"

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        rules = policy_set.ladder_rules
        if rules is None:
            return {}
        return {rules.file[: -len(".yaml")] + "_test.yaml": f"правил выбора лестницы эскалации ({rules.file})"}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        rules = policy_set.ladder_rules
        problems = []
        for fact, value in given.items():
            spec = rules.facts.get(fact)
            if spec is None:
                problems.append(f"поле given.{fact}: неизвестный факт; возможны: {', '.join(rules.facts)}")
            elif not isinstance(value, TYPES.get(spec.type, object)) or (spec.type == "int" and value is True):
                problems.append(f"поле given.{fact}: нужно значение типа {spec.type}, дано {value!r}")
            elif spec.values and value not in spec.values:
                problems.append(f"поле given.{fact}: {value!r} не значение факта {fact}; "
                                f"возможны: {', '.join(map(str, spec.values))}")
        problems += [f"поле expect.{k}: неизвестное ожидание; возможны: {', '.join(EXPECT)}"
                     for k in expect if k not in EXPECT]
        ladders = {lad.id for lad in policy_set.ladders}
        if "ladder" not in expect:
            problems.append(f"поле expect.ladder: укажите лестницу (или {NO_LADDER}, если ни одно правило не подходит)")
        elif expect["ladder"] != NO_LADDER and expect["ladder"] not in ladders:
            problems.append(f"поле expect.ladder: неизвестная лестница {expect['ladder']!r}; "
                            f"возможны: {', '.join(sorted(ladders))}, {NO_LADDER}")
        order = expect.get("order")
        if order is not None and not (isinstance(order, list) and all(isinstance(r, str) for r in order)):
            problems.append("поле expect.order: нужен список ролей, например [executor, head_of_body, sector_head]")
        elif order is not None and set(order) - set(policy_set.directory.roles):
            unknown = sorted(set(order) - set(policy_set.directory.roles))
            problems.append(f"поле expect.order: неизвестные роли {unknown}; "
                            f"возможны: {', '.join(policy_set.directory.roles)}")
        if "rule" in expect and expect["rule"] not in rules.rules:
            problems.append(f"поле expect.rule: в {rules.file} нет правила {expect['rule']!r}")
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        rules = policy_set.ladder_rules
        engine = rules.first(given)
        reference = rules.first(given, reference=True)
        failures = []
        if _rule(engine) != _rule(reference):
            failures.append(f"движок и эталонный вычислитель разошлись: {_rule(engine)} и {_rule(reference)}")
        chosen = policy_set.ladder_for(given)
        got = chosen.id if chosen is not None else NO_LADDER
        if got != expect["ladder"]:
            why = f"сработало правило {engine.rule}" if engine is not None else "ни одно правило не подошло"
            failures.append(f"ladder: ожидалась лестница {expect['ladder']}, получена {got} ({why})")
        if "rule" in expect and expect["rule"] != _rule(engine):
            got_rule = f"сработало {engine.rule}" if engine is not None else "не сработало ни одно"
            failures.append(f"rule: ожидалось правило {expect['rule']}, {got_rule}")
        if "order" in expect and chosen is not None:
            have = alert_order(chosen)
            if have != list(expect["order"]):
                failures.append(f"order: ожидался порядок {', '.join(expect['order'])}, "
                                f"лестница {chosen.id} оповещает {', '.join(have)}")
        return CaseResult(rel, name, tuple(failures), (engine.rule,) if engine is not None else ())

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        if policy_set.ladder_rules is None:
            return []
        fired = {rid for r in results for rid in r.covers}
        return [rid for rid in policy_set.ladder_rules.rules if rid not in fired]


def alert_order(ladder) -> list[str]:
    """The roles a ladder alerts, level after level, each where it is first named."""
    return list(dict.fromkeys(role for level in ladder.levels for role in level.notify))


def _rule(match) -> str:
    return match.rule if match is not None else "(нет)"
