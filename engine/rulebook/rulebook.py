"""The rulebook pipeline: evaluate the stages in order, apply the fired rules' outcomes in
Python, and build the Decision with its explanation.

Effects of a stage are visible to later stages as facts (topic, subtopic, tags, priority,
body). Within a stage every rule sees the same facts. Outcomes of fired rules are applied in
evaluation order: scalar outcomes (assign, deadline_policy, set_topic, fz59_special, set_sector) — the
last one wins; add_tags and notify_now accumulate; control, once set by a fired rule, stays set;
priority only ever rises (the highest
priority set by any fired rule or given in the facts wins; "normal" when none is set).
"""

from __future__ import annotations

import copy
import logging
import threading
from pathlib import Path

from engine.domain.vocabulary import PRIORITIES

from .candidates import Candidates
from .compiler import compile_stage, derived_keys, engine_doc, prepass_leaves, ruleset_name, stage_fields
from .decision_key import StageMemo
from .dependence import topic_reads_history
from .explaining import Explainer
from .facts import prepare_facts
from .loader import LoadedPolicy, load_policy
from .model import Decision, Outcomes, Rule, Stage
from .reference import ReferenceEvaluator

log = logging.getLogger(__name__)
_RANK = {p: i for i, p in enumerate(PRIORITIES)}


class Rulebook:
    """A loaded, validated and compiled set of rules. Thread-safe."""

    def __init__(self, policy: LoadedPolicy):
        self.version = policy.version
        self.stages: tuple[Stage, ...] = policy.stages
        self.rulesets = policy.rulesets
        self.files = policy.files
        self.rules: dict[str, Rule] = {r.id: r for s in self.stages for r in s.rules}
        self._leaves = {s.name: prepass_leaves([s]) for s in self.stages}
        self._fields = {s.name: stage_fields(s) for s in self.stages}
        self._explainer = Explainer(self.stages, self.rules, self._outcomes)
        self._names = {s.name: ruleset_name(self.version, s) for s in self.stages}
        self._definitions = {self._names[s.name]: compile_stage(s) for s in self.stages}
        self._reference = ReferenceEvaluator(self.stages)
        self._candidates = {s.name: Candidates(s) for s in self.stages}
        # routing decides once with an appeal's repeats and clusters when they cannot change its topic
        self.topic_reads_history = topic_reads_history(self.stages)
        self._engine = None
        self._guarded = None
        self._build_lock = threading.Lock()
        self._retired = False

    def controlling_ids(self) -> frozenset[str]:
        """The ids a decision records (``Decision.rule_ids``: a rule's, or a table's row's) whose outcome puts
        the appeal on control: a decision is on control when any of them fired."""
        ids = set()
        for rule in self.rules.values():
            if rule.table is None:
                ids.update([rule.id] if rule.then.control else [])
            else:
                ids.update(rule.table.row_rule_id(row) for row in rule.table.rows if row.then.control)
        return frozenset(ids)

    def compiled_rulesets(self) -> dict[str, dict]:
        """The durable_rules JSON definitions (a copy), keyed by ruleset name."""
        return copy.deepcopy(self._definitions)

    def _engine_rulesets(self) -> tuple[dict[str, dict], dict[str, tuple[str, ...]]]:
        """The rulesets the engine holds (a split stage's parts: its rules that can fire for some
        values of its indexed fact, with their pri) and, per stage, their names."""
        definitions, names = {}, {}
        for stage in self.stages:
            name = self._names[stage.name]
            parts = self._candidates[stage.name].parts
            if len(parts) == 1:
                definitions[name], names[stage.name] = self._definitions[name], (name,)
                continue
            names[stage.name] = tuple(f"{name}_p{i}" for i in range(len(parts)))
            for part_name, rule_ids in zip(names[stage.name], parts, strict=True):
                definitions[part_name] = {rid: self._definitions[name][rid] for rid in rule_ids}
        return definitions, names

    def _durable(self):
        if self._engine is None:
            with self._build_lock:
                if self._engine is None:
                    from .durable import DurableEvaluator

                    engine = DurableEvaluator(*self._engine_rulesets())
                    self._guarded = _Guarded(engine, self._reference, self._candidates)
                    self._engine = engine
        return self._engine

    def retire(self) -> None:
        """This version was replaced: free its engine rulesets once the decisions in flight
        finish. A late caller still gets correct decisions, from the reference evaluator."""
        self._retired = True
        if self._engine is not None:
            self._engine.retire()

    def warm_up(self) -> None:
        """Build the engine rulesets now rather than on the first decision."""
        self._durable()

    def decide(self, facts: dict, *, memo: StageMemo | None = None) -> Decision:
        """Production path: the rules run in durable_rules.

        Should the engine refuse a document (one of its hard limits), that stage is evaluated
        by the reference evaluator instead, which gives the same answer by construction, and
        the refusal is logged: an appeal is never left unrouted. ``memo`` (a replay of many
        appeals): stages whose view was evaluated before are not evaluated again.
        """
        if self._retired:
            return self._decide(facts, self._reference)
        engine = self._durable()
        try:
            engine.enter()
        except Exception:  # retired between the check and here
            return self._decide(facts, self._reference)
        try:
            guarded = self._guarded
            return self._decide(facts, guarded if memo is None else memo.around(guarded))
        finally:
            engine.leave()

    def decide_reference(self, facts: dict) -> Decision:
        """Plain-Python evaluation of the same compiled rules; must equal ``decide``."""
        return self._decide(facts, self._reference)

    def _decide(self, facts: dict, evaluator) -> Decision:
        f = prepare_facts(facts)
        state = {
            "body": f.get("body"), "role": None, "official": None, "policy": None,
            "priority": f.get("priority") if f.get("priority") in _RANK else None,
            "topic": f.get("topic"), "subtopic": f.get("subtopic"), "tags": list(f["tags"]),
            "notify": [], "special": None, "route_rule": None, "control": False, "sector": None,
        }
        rule_ids: list[str] = []
        seen: list[tuple] = []  # (stage, fired, facts, derived) for the explanation, built on demand
        index = f.token_index()  # words do not change between stages
        for stage in self.stages:
            derived = derived_keys(self._leaves[stage.name], f, index)
            fired = evaluator.fired(stage, engine_doc(f, derived, self._fields[stage.name]))
            seen.append((stage, fired, dict(f), derived))
            recorded = []
            for rid in fired:
                outcomes, rid = self._outcomes(self.rules[rid], f)
                self._apply(outcomes, state)
                recorded.append(rid)
            rule_ids.extend(recorded)
            if stage.name == "route" and recorded:
                state["route_rule"] = recorded[0]
            for name in ("topic", "subtopic", "priority", "body"):
                if state[name] is not None:
                    f[name] = state[name]
            f["tags"] = list(state["tags"])
        return Decision(
            version=self.version,
            body=state["body"],
            role=state["role"],
            policy=state["policy"],
            priority=state["priority"] or "normal",
            topic=state["topic"] or "other",
            tags=tuple(state["tags"]),
            official=state["official"],
            route_rule_id=state["route_rule"],
            rule_ids=tuple(rule_ids),
            subtopic=state["subtopic"],
            notify_now=tuple(state["notify"]),
            fz59_special=state["special"],
            control=state["control"],
            sector=state["sector"],
            explainer=lambda: tuple(self._explainer.stage(st, fd, fc, set(dv)) for st, fd, fc, dv in seen),
        )

    @staticmethod
    def _outcomes(rule: Rule, facts: dict) -> tuple[Outcomes, str]:
        """The outcomes a fired rule applies and the id the decision records (a table's row)."""
        if rule.table is None:
            return rule.then, rule.id
        row = rule.table.lookup(facts)
        return row.then, rule.table.row_rule_id(row)

    @staticmethod
    def _apply(a: Outcomes, state: dict) -> None:
        if a.body is not None:
            state["body"], state["role"] = a.body, a.role
        if a.official is not None:
            state["official"] = a.official
        if a.deadline_policy is not None:
            state["policy"] = a.deadline_policy
        if a.priority is not None and (state["priority"] is None or _RANK[a.priority] > _RANK[state["priority"]]):
            state["priority"] = a.priority
        if a.topic is not None:
            state["topic"], state["subtopic"] = a.topic, a.subtopic
        for tag in a.add_tags:
            if tag not in state["tags"]:
                state["tags"].append(tag)
        for role in a.notify_now:
            if role not in state["notify"]:
                state["notify"].append(role)
        if a.fz59_special is not None:
            state["special"] = a.fz59_special
        if a.control:
            state["control"] = True
        if a.sector is not None:
            state["sector"] = a.sector


class _Guarded:
    """The engine, asked only when the candidates do not settle a stage; the reference evaluator
    when the engine refuses a document."""

    def __init__(self, engine, reference, candidates: dict[str, Candidates]):
        from .durable import EngineError

        self._engine, self._reference, self._refused = engine, reference, EngineError
        self._candidates = candidates

    def fired(self, stage: Stage, doc: dict) -> list[str]:
        candidates = self._candidates[stage.name]
        known = candidates.settled(doc)
        if known is not None:
            return known
        try:
            return self._engine.fired(stage, doc, candidates.part(doc))
        except self._refused:
            log.exception("rules engine refused a document in stage %s; using the reference evaluator", stage.name)
            return self._reference.fired(stage, doc)


def load_rulebook(
    rules_dir: Path,
    *,
    bodies: set[str],
    roles: set[str],
    policies: set[str],
    topics: set[str] | None = None,
    officials: set[str] | None = None,
) -> Rulebook:
    """Load, validate and compile the rules under rules_dir (raises RulebookError)."""
    return Rulebook(
        load_policy(Path(rules_dir), bodies=bodies, roles=roles, policies=policies, topics=topics, officials=officials)
    )
