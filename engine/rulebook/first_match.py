"""First-match rulesets: one rule file outside the routing pipeline, same condition grammar.

A first-match ruleset has a name, the hit policy ``first``, a closed fact vocabulary given by
the caller, and rules ``{id, description, when?, then: {<outcome>: value}}``. Conditions are
parsed by the routing rules' parser (``conditions.parse_condition``: the same checks, ё→е folding
and error messages) with the caller's facts and the routing operators except the text ones
(``phrase``, ``matches``); list facts are folded like routing folds them. Rules compile with the
routing compiler and run in durable_rules; the reference evaluator answers when the engine
refuses a document.

The escalation ladders use it: ``ladder_selection`` reads the ``rules`` of
``rules/escalation.yaml`` and picks a ladder for a clock from the appeal's facts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass

from engine.classify import text as textmod
from engine.domain.vocabulary import PRIORITIES, REGIMES, STATUSES, URGENCIES
from engine.wording.staff import did_you_mean

from .compiler import ANCHOR, DERIVED, SENTINEL, compile_stage
from .conditions import Grammar, parse_condition
from .model import Outcomes, Rule, Stage
from .parsing import ParseContext, start_rule
from .reference import ReferenceEvaluator, trace
from .vocabulary import DEFAULT_TOPICS, OPERATORS, FactSpec

log = logging.getLogger(__name__)

TEXT_OPERATORS = ("phrase", "matches")
OPERATORS_HERE = {name: spec for name, spec in OPERATORS.items() if name not in TEXT_OPERATORS}


@dataclass(frozen=True)
class Match:
    rule: str
    outcome: object
    conditions: tuple[dict, ...]  # the leaves that made the rule fire


class FirstMatchRuleset:
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

    def _known(self, facts: dict) -> dict:
        """The facts this ruleset knows, without None values; list items casefolded with ё→е, as
        routing folds them (rule values are folded the same way when the file is loaded)."""
        out = {}
        for name, value in facts.items():
            spec = self.facts.get(name)
            if spec is None or value is None:
                continue
            out[name] = [textmod.normalise(x) for x in value] if spec.type == "list" else value
        return out

    def _document(self, known: dict) -> dict:
        doc = dict(ANCHOR)
        for name, value in known.items():
            doc[name] = [SENTINEL, *value] if self.facts[name].type == "list" else value
        doc[DERIVED] = [SENTINEL]
        return doc

    def first(self, facts: dict, *, reference: bool = False) -> Match | None:
        """The first matching rule with the conditions that made it fire (its explanation)."""
        known = self._known(facts)
        rule = self._first_rule(known, reference)
        if rule is None:
            return None
        _, conditions = trace(rule.when, known, set())
        return Match(rule=rule.id, outcome=self.outcomes[rule.id], conditions=tuple(conditions))

    def outcome(self, facts: dict, *, reference: bool = False) -> object | None:
        """The first matching rule's outcome, or None: `first` without the explanation."""
        rule = self._first_rule(self._known(facts), reference)
        return None if rule is None else self.outcomes[rule.id]

    def _first_rule(self, known: dict, reference: bool) -> Rule | None:
        doc = self._document(known)
        fired = self._reference.fired(self.stage, doc) if reference else self._fired(doc)
        return self.rules[fired[0]] if fired else None

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


def load_first_match(doc: dict, *, file: str, name: str, facts: dict[str, FactSpec], outcome: str,
                    outcomes: set[str]) -> FirstMatchRuleset:
    """Validate ``doc['rules']`` against `facts`; each rule's ``then`` sets `outcome` to one of `outcomes`.
    Conditions are parsed as routing parses them (``conditions.parse_condition``) with `facts` and
    the operators other than the text ones."""
    ctx = ParseContext(file, bodies=(), roles=(), policies=(), topics=(), officials=())
    grammar = Grammar(facts, OPERATORS_HERE)
    hit_policy = doc.get("hit_policy", "first")
    if hit_policy != "first":
        raise ctx.error("hit_policy", f"здесь допустим только порядок first, получено {hit_policy!r}")
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ctx.error("rules", "ожидается непустой список правил")
    rules, results, seen = [], {}, set()
    for i, raw in enumerate(raw_rules):
        rid = start_rule(ctx, raw, i, seen)
        extra = set(raw) - {"id", "description", "when", "then"}
        if extra:
            raise ctx.error(sorted(extra)[0], "неизвестное поле; допустимы id, description, when, then")
        if not isinstance(raw.get("description"), str) or not raw["description"].strip():
            raise ctx.error("description", "ожидается непустая строка")
        then = raw.get("then")
        if not isinstance(then, dict) or set(then) != {outcome}:
            raise ctx.error("then", f"ожидается {{{outcome}: ...}}")
        if then[outcome] not in outcomes:
            raise ctx.error(f"then.{outcome}", f"неизвестное значение {outcome} {then[outcome]!r}"
                                               f"{did_you_mean(then[outcome], outcomes)}; "
                                               f"есть: {', '.join(sorted(outcomes))}")
        when = parse_condition(ctx, raw["when"], "when", grammar) if raw.get("when") is not None else None
        rules.append(Rule(id=rid, description=raw["description"].strip(), when=when, then=Outcomes(),
                          ruleset=name, file=file))
        results[rid] = then[outcome]
    return FirstMatchRuleset(name, file, tuple(rules), results, facts)


# ------------------------------------------------------------------ escalation ladders


def ladder_facts(*, clock_kinds, policies, bodies, topics) -> dict[str, FactSpec]:
    """The facts a ladder selection rule may test (closed sets where the rules folder knows them)."""
    specs = (
        FactSpec("clock_kind", "str", "Вид срока (регистрация, ответ, первая реакция…)", tuple(sorted(clock_kinds))),
        FactSpec("policy", "str", "Политика сроков обращения (id из deadline_policies.yaml)", tuple(sorted(policies))),
        FactSpec("regime", "str", "Режим сроков", REGIMES),
        FactSpec("priority", "str", "Приоритет обращения", PRIORITIES),
        FactSpec("topic", "str", "Тема (отраслевой блок)", tuple(sorted(topics)) if topics else None),
        FactSpec("body", "str", "Ответственный орган (id из directory.yaml)", tuple(sorted(bodies))),
        FactSpec("status", "str", "Статус обращения", STATUSES),
        FactSpec("channel", "str", "Канал поступления"),
        FactSpec("municipality", "str", "Муниципальное образование"),
        FactSpec("urgency", "str", "Срочность, указанная каналом", URGENCIES),
        FactSpec("fz59", "bool", "Обращение по 59-ФЗ"),
    )
    return {s.name: s for s in specs}


def ladder_selection(doc: dict, *, ladders: set[str], clock_kinds, policies, bodies, topics=None,
                     file: str = "escalation.yaml") -> FirstMatchRuleset:
    facts = ladder_facts(clock_kinds=clock_kinds, policies=policies, bodies=bodies,
                         topics=DEFAULT_TOPICS if topics is None else topics)
    return load_first_match(doc, file=file, name=doc.get("ruleset", "escalation"), facts=facts, outcome="ladder",
                           outcomes=ladders)
