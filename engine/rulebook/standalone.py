"""Standalone rulesets: one rule file outside the routing pipeline, same condition grammar.

A standalone ruleset has a name, the hit policy ``first``, a closed fact vocabulary given by
the caller, and rules ``{id, description, when?, then: {<outcome>: value}}``. Conditions use
the routing grammar (``all``/``any``/``not``, ``{fact, op, value}``) and the same operators,
except the text ones (``phrase``, ``matches``). Rules compile with the routing compiler and run
in durable_rules; the reference evaluator answers when the engine refuses a document.

The escalation ladders use it: ``ladder_selection`` reads the ``rules`` of
``rules/escalation.yaml`` and picks a ladder for a clock from the appeal's facts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass

from .compiler import ANCHOR, DERIVED, SENTINEL, compile_stage
from .model import Actions, All, AnyOf, Condition, Leaf, Not, Rule, RulebookError, Stage
from .reference import ReferenceEvaluator, trace
from .vocabulary import DEFAULT_TOPICS, OPERATORS, PRIORITIES, REGIMES, URGENCIES, FactSpec

log = logging.getLogger(__name__)

TEXT_OPERATORS = ("phrase", "matches")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Match:
    rule: str
    outcome: object
    conditions: tuple[dict, ...]  # the leaves that made the rule fire


class StandaloneRuleset:
    """A compiled ``first``-hit ruleset; ``first(facts)`` gives the first matching rule."""

    def __init__(self, name: str, file: str, rules: tuple[Rule, ...], outcomes: dict[str, object],
                 facts: dict[str, FactSpec]):
        self.name, self.file, self.facts = name, file, facts
        self.rules = {r.id: r for r in rules}
        self.outcomes = outcomes
        self.stage = Stage(name=name.replace("/", "_"), hit_policy="first", rulesets=(name,), rules=rules)
        definitions = compile_stage(self.stage)
        digest = hashlib.sha256(json.dumps(definitions, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        self.version = digest[:16]
        self._definitions = {f"{self.stage.name}_{self.version}": definitions}
        self._reference = ReferenceEvaluator((self.stage,))
        self._engine = None
        self._retired = False
        self._building = threading.Lock()  # two first callers must not build (and leak) two engines

    def document(self, facts: dict) -> dict:
        doc = dict(ANCHOR)
        for name, value in facts.items():
            spec = self.facts.get(name)
            if spec is None or value is None:
                continue
            doc[name] = [SENTINEL, *value] if spec.type == "list" else value
        doc[DERIVED] = [SENTINEL]
        return doc

    def first(self, facts: dict, *, reference: bool = False) -> Match | None:
        doc = self.document(facts)
        fired = self._reference.fired(self.stage, doc) if reference else self._fired(doc)
        if not fired:
            return None
        rule = self.rules[fired[0]]
        _, conditions = trace(rule.when, {k: v for k, v in facts.items() if v is not None}, set())
        return Match(rule=rule.id, outcome=self.outcomes[rule.id], conditions=tuple(conditions))

    def retire(self) -> None:
        """This version was replaced: free the engine's ruleset once the evaluations in flight
        finish. A late caller still gets the right answer, from the reference evaluator."""
        self._retired = True
        if self._engine is not None:
            self._engine.retire()

    def _fired(self, doc: dict) -> list[str]:
        from .durable import DurableEvaluator, EngineError, EngineRetired

        if self._retired:
            return self._reference.fired(self.stage, doc)
        if self._engine is None:
            with self._building:
                if self._engine is None:
                    self._engine = DurableEvaluator(self._definitions,
                                                    {self.stage.name: next(iter(self._definitions))})
        try:
            return self._engine.fired(self.stage, doc)
        except EngineRetired:
            return self._reference.fired(self.stage, doc)
        except EngineError:
            log.exception("rules engine refused a document in %s; using the reference evaluator", self.name)
            return self._reference.fired(self.stage, doc)


def load_standalone(doc: dict, *, file: str, name: str, facts: dict[str, FactSpec], outcome: str,
                    outcomes: set[str]) -> StandaloneRuleset:
    """Validate ``doc['rules']`` against `facts`; each rule's ``then`` sets `outcome` to one of `outcomes`."""
    hit_policy = doc.get("hit_policy", "first")
    if hit_policy != "first":
        raise RulebookError(f"{file}: field hit_policy: only 'first' is supported here, got {hit_policy!r}")
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulebookError(f"{file}: field rules: expected a non-empty list of rules")
    rules, results, seen = [], {}, set()
    for i, raw in enumerate(raw_rules):
        rid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(rid, str) or not _ID.match(rid):
            raise RulebookError(f"{file}: field rules[{i}].id: invalid or missing rule id {rid!r}")
        where = f"{file}: rule {rid}"
        if rid in seen:
            raise RulebookError(f"{where}: field id: duplicate rule id")
        seen.add(rid)
        extra = set(raw) - {"id", "description", "when", "then"}
        if extra:
            raise RulebookError(f"{where}: field {sorted(extra)[0]}: unknown field; "
                                "expected id, description, when, then")
        if not isinstance(raw.get("description"), str) or not raw["description"].strip():
            raise RulebookError(f"{where}: field description: expected a non-empty string")
        then = raw.get("then")
        if not isinstance(then, dict) or set(then) != {outcome}:
            raise RulebookError(f"{where}: field then: expected {{{outcome}: ...}}")
        if then[outcome] not in outcomes:
            raise RulebookError(f"{where}: field then.{outcome}: unknown {outcome} {then[outcome]!r}; "
                                f"known: {', '.join(sorted(outcomes))}")
        when = _condition(raw["when"], f"{where}: field when", facts) if raw.get("when") is not None else None
        rules.append(Rule(id=rid, description=raw["description"].strip(), when=when, then=Actions(),
                          ruleset=name, file=file))
        results[rid] = then[outcome]
    return StandaloneRuleset(name, file, tuple(rules), results, facts)


def _condition(raw, where: str, facts: dict[str, FactSpec]) -> Condition:
    if not isinstance(raw, dict):
        raise RulebookError(f"{where}: expected a condition mapping (all, any, not or fact/op/value)")
    if "fact" in raw or "op" in raw:
        return _leaf(raw, where, facts)
    if len(raw) != 1:
        raise RulebookError(f"{where}: expected exactly one of all, any, not; got {sorted(raw)}")
    (kind, body), = raw.items()
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise RulebookError(f"{where}.{kind}: expected a non-empty list of conditions")
        items = tuple(_condition(c, f"{where}.{kind}[{i}]", facts) for i, c in enumerate(body))
        return All(items) if kind == "all" else AnyOf(items)
    if kind == "not":
        return Not(_condition(body, f"{where}.not", facts))
    raise RulebookError(f"{where}.{kind}: unknown condition; expected all, any, not or fact/op/value")


def _leaf(raw: dict, where: str, facts: dict[str, FactSpec]) -> Leaf:
    extra = set(raw) - {"fact", "op", "value"}
    if extra:
        raise RulebookError(f"{where}.{sorted(extra)[0]}: unknown field in a condition; expected fact, op, value")
    fact, op = raw.get("fact"), raw.get("op")
    spec = facts.get(fact) if isinstance(fact, str) else None
    if spec is None:
        raise RulebookError(f"{where}.fact: unknown fact {fact!r}; known facts: {', '.join(facts)}")
    ospec = OPERATORS.get(op) if isinstance(op, str) and op not in TEXT_OPERATORS else None
    if ospec is None:
        known = ", ".join(o for o in OPERATORS if o not in TEXT_OPERATORS)
        raise RulebookError(f"{where}.op: unknown operator {op!r}; known operators: {known}")
    if spec.type not in ospec.fact_types:
        raise RulebookError(f"{where}.op: operator {op} does not apply to fact {fact} of type {spec.type}")
    if ospec.value == "none":
        if "value" in raw:
            raise RulebookError(f"{where}.value: operator {op} takes no value")
        return Leaf(fact, op)
    if "value" not in raw:
        raise RulebookError(f"{where}.value: operator {op} needs a value")
    value = raw["value"]
    if ospec.value == "scalar":
        return Leaf(fact, op, _scalar(spec, value, where))
    if ospec.value == "scalars":
        if not isinstance(value, list) or not value:
            raise RulebookError(f"{where}.value: expected a non-empty list")
        return Leaf(fact, op, tuple(dict.fromkeys(_scalar(spec, v, where) for v in value)))
    if ospec.value == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise RulebookError(f"{where}.value: expected a number")
        return Leaf(fact, op, value)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise RulebookError(f"{where}.value: expected a non-empty string or list of strings")
    return Leaf(fact, op, tuple(dict.fromkeys(v.strip().casefold() for v in items)))


def _scalar(spec: FactSpec, value, where: str):
    t = spec.type
    ok = ((t == "str" and isinstance(value, str) and value != "")
          or (t == "int" and isinstance(value, int) and not isinstance(value, bool))
          or (t == "bool" and isinstance(value, bool)))
    if not ok:
        raise RulebookError(f"{where}.value: expected a {t} for fact {spec.name}, got {value!r}")
    if spec.values is not None and value not in spec.values:
        allowed = ", ".join(map(str, spec.values))
        raise RulebookError(f"{where}.value: {value!r} is not a value of {spec.name}; expected one of {allowed}")
    return value


# ------------------------------------------------------------------ escalation ladders


def ladder_facts(*, clock_kinds, policies, bodies, topics) -> dict[str, FactSpec]:
    """The facts a ladder selection rule may test (closed sets where the rules folder knows them)."""
    specs = (
        FactSpec("clock_kind", "str", "Вид срока (регистрация, ответ, первая реакция…)", tuple(sorted(clock_kinds))),
        FactSpec("policy", "str", "Политика сроков обращения", tuple(sorted(policies))),
        FactSpec("regime", "str", "Режим сроков", REGIMES),
        FactSpec("priority", "str", "Приоритет обращения", PRIORITIES),
        FactSpec("topic", "str", "Тема (отраслевой блок)", tuple(sorted(topics)) if topics else None),
        FactSpec("body", "str", "Ответственный орган", tuple(sorted(bodies))),
        FactSpec("status", "str", "Статус обращения"),
        FactSpec("channel", "str", "Канал поступления"),
        FactSpec("municipality", "str", "Муниципальное образование"),
        FactSpec("urgency", "str", "Срочность, указанная каналом", URGENCIES),
        FactSpec("fz59", "bool", "Обращение по 59-ФЗ"),
    )
    return {s.name: s for s in specs}


def ladder_selection(doc: dict, *, ladders: set[str], clock_kinds, policies, bodies, topics=None,
                     file: str = "escalation.yaml") -> StandaloneRuleset:
    facts = ladder_facts(clock_kinds=clock_kinds, policies=policies, bodies=bodies,
                         topics=DEFAULT_TOPICS if topics is None else topics)
    return load_standalone(doc, file=file, name=doc.get("ruleset", "escalation"), facts=facts, outcome="ladder",
                           outcomes=ladders)
