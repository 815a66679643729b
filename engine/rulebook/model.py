"""Data model of a loaded rulebook and of a routing decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Union


class RulebookError(ValueError):
    """A rule file is invalid; the message names the file, the rule id and the field."""


class FactError(ValueError):
    """A facts dict handed to the rulebook has a value of the wrong type."""


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: object = None  # normalised: tuple for list values
    key: str | None = None  # flag name for operators evaluated before the engine

    @cached_property
    def record(self) -> dict:
        """``to_dict()`` made once: the part of an explanation's leaf record that never changes
        (copied into each record; its value list is shared and never changed)."""
        return self.to_dict()

    def to_dict(self) -> dict:
        d: dict = {"fact": self.fact, "op": self.op}
        if self.op == "table":
            d["value"] = self.value.rule_id
        elif self.value is not None:
            d["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return d


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Union[Leaf, All, AnyOf, Not]  # noqa: UP007 - a runtime alias of forward references


def condition_to_dict(cond: Condition | None) -> dict | None:
    if cond is None:
        return None
    if isinstance(cond, Leaf):
        return cond.to_dict()
    if isinstance(cond, All):
        return {"all": [condition_to_dict(c) for c in cond.items]}
    if isinstance(cond, AnyOf):
        return {"any": [condition_to_dict(c) for c in cond.items]}
    return {"not": condition_to_dict(cond.item)}


def iter_leaves(cond: Condition | None):
    if cond is None:
        return
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, Not):
        yield from iter_leaves(cond.item)
    else:
        for c in cond.items:
            yield from iter_leaves(c)


@dataclass(frozen=True)
class Outcomes:
    body: str | None = None
    role: str | None = None
    official: str | None = None
    deadline_policy: str | None = None
    priority: str | None = None
    add_tags: tuple[str, ...] = ()
    topic: str | None = None
    subtopic: str | None = None
    notify_now: tuple[str, ...] = ()
    fz59_special: str | None = None
    control: bool = False  # on control: answers are checked by the centre before publication
    sector: str | None = None

    def to_dict(self) -> dict:
        return dict(self._dict)

    @cached_property
    def _dict(self) -> dict:
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v not in (None, (), False):
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    when: Condition | None
    then: Outcomes
    ruleset: str
    file: str
    priority: int | None = None  # only for hit policy "priority"
    table: object | None = None  # a tables.DecisionTable: the outcomes come from its matching row


@dataclass(frozen=True)
class RuleSet:
    name: str
    file: str
    description: str
    owner: str
    hit_policy: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: its rulesets evaluated as one list, in evaluation order."""

    name: str
    hit_policy: str
    rulesets: tuple[str, ...]
    rules: tuple[Rule, ...]  # in evaluation order (rule i has engine pri i + 1)


@dataclass(frozen=True)
class Decision:
    """What the rules decided. The explanation is built on first use (it costs more than the
    decision itself); two decisions are equal when every decided field is equal."""

    version: str
    body: str
    role: str
    policy: str
    priority: str
    topic: str
    tags: tuple[str, ...]
    official: str | None
    route_rule_id: str
    rule_ids: tuple[str, ...]
    subtopic: str | None = None
    notify_now: tuple[str, ...] = ()
    fz59_special: str | None = None
    control: bool = False
    sector: str | None = None  # a rule's set_sector, then (in the policy set) the topic's or the body's
    explainer: Callable[[], tuple[dict, ...]] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def explanation(self) -> tuple[dict, ...]:
        return self.explainer() if self.explainer is not None else ()

    def to_dict(self, *, explanation: bool = True) -> dict:
        d: dict = {}
        for f in fields(self):
            if f.name == "explainer":
                continue
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        if explanation:
            d["explanation"] = list(self.explanation)
        return d

    def notify_reasons(self) -> dict[str, tuple[str, str]]:
        """For each role in ``notify_now``, the first fired rule that asked for it: (rule id, description)."""
        reasons: dict[str, tuple[str, str]] = {}
        for stage in self.explanation:
            for fired in stage["fired"]:
                for role in fired["then"].get("notify_now", ()):
                    reasons.setdefault(role, (fired["rule"], fired["description"]))
        return reasons

    def explain_text(self, names: Callable[[str, str], str] | None = None) -> str:
        return explanation_text(self.to_dict(), names)


def explanation_text(decision: Mapping, names: Callable[[str, str], str] | None = None) -> str:
    """A decision's explanation as text for people: `decision` as `Decision.to_dict` gives it, or as a
    decision record stores it (its `control` and `explanation` included). Rendered when read: the
    stored explanation carries everything it says. `names` (kind, code) → name (engine.wording.labels):
    the body, role, deadlines, priority and topic are named, each with its code beside (the rules say
    codes); without it, codes alone."""
    tags = decision.get("tags") or ()

    def named(kind: str, code) -> str:
        name = names(kind, code) if names is not None and code is not None else None
        return f"{name} ({code})" if name and name != code else str(code)

    lines = [
        f"Решение (версия правил {decision['version']}): орган {named('body', decision['body'])}, "
        f"роль {named('role', decision['role'])}, сроки {named('policy', decision['policy'])}, "
        f"приоритет {named('priority', decision['priority'])}, тема {named('topic', decision['topic'])}"
        + (f", метки: {', '.join(tags)}" if tags else "")
        + (", на контроле ЦУР (ответ публикуется после проверки)" if decision.get("control") else "")
    ]
    for stage in decision.get("explanation") or ():
        lines.append(f"Этап {stage['stage']} ({stage['hit_policy']}):")
        for skipped in stage.get("considered", ()):
            failed = "; ".join(_leaf_text(c) for c in skipped["failed"])
            lines.append(f"  – {skipped['rule']}: не подошло ({failed})")
        if stage.get("considered_more"):
            lines.append(f"  – и ещё {stage['considered_more']} правил не подошло")
        if not stage["fired"]:
            lines.append("  ни одно правило не сработало")
        for fired in stage["fired"]:
            why = "; ".join(_leaf_text(c) for c in fired["conditions"]) or "без условий"
            lines.append(f"  + {fired['rule']} — {fired['description']}")
            lines.append(f"      потому что: {why}")
            lines.append(f"      действия: {_shown(fired['then'])}")
    return "\n".join(lines)


def _leaf_text(c: Mapping) -> str:
    neg = "НЕ " if c.get("negated") else ""
    value = f" {_shown(c['value'])}" if "value" in c else ""
    actual = _shown(c.get("actual", "—")) if c.get("present", True) else "нет значения"
    return f"{neg}{c['fact']} {c['op']}{value} (факт: {actual})"


def _shown(value) -> str:
    """A value as the text shows it, the same whether it comes from a decision just made (tuples, keys in any
    order) or from one stored as JSON (lists, keys sorted)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_shown(value[key])}" for key in sorted(value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)
