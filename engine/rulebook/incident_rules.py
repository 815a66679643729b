"""rules/incidents.yaml: when appeals join one incident, and the incident's priority by its authors.

``grouping`` holds the data of joining: ``window_hours`` (an appeal joins an incident reported within
that many hours before it), ``radius_m`` (two points within that distance are one place when no
street is named), ``min_overlap`` (the share of the new appeal's topic words found in the
incident's) and ``except_topics`` (topics never grouped). The ``rules`` are a first-match ruleset
(engine.rulebook.first_match) over the incident's facts — ``incident_authors``, ``incident_members``,
``topic``, ``municipality``, ``priority`` — whose ``then: {priority: …}`` raises the incident's
priority (never lowers it).

``assess_join`` is the one decision of joining, used by the grouping service and by the cases of
``incidents_test.yaml``; it answers with the reasons in Russian, like a routing decision's trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.classify.incident_place import Street, distance_m, overlap
from engine.domain.vocabulary import PRIORITIES

from .first_match import FirstMatchRuleset, load_first_match
from .model import RulebookError
from .vocabulary import DEFAULT_TOPICS, FactSpec

INCIDENTS_FILE = "incidents.yaml"
GROUPING_FIELDS = {"window_hours", "radius_m", "min_overlap", "except_topics"}

INCIDENT_FACTS = {s.name: s for s in (
    FactSpec("incident_authors", "int", "Число разных авторов обращений инцидента", minimum=0),
    FactSpec("incident_members", "int", "Число обращений в инциденте", minimum=0),
    FactSpec("topic", "str", "Тема инцидента"),
    FactSpec("municipality", "str", "Муниципальное образование инцидента"),
    FactSpec("priority", "str", "Текущий приоритет инцидента", PRIORITIES),
)}


@dataclass(frozen=True)
class PlaceFacts:
    """What joining compares: of a new appeal, or of an incident (or a lone appeal) already stored."""

    topic: str
    municipality: str | None
    street: Street | None
    lat: float | None
    long: float | None
    words: frozenset[str]
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Join:
    joined: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)
    score: float = 0.0


@dataclass(frozen=True)
class IncidentRules:
    window: timedelta
    radius_m: float
    min_overlap: float
    except_topics: frozenset[str]
    priority_rules: FirstMatchRuleset

    def groups(self, topic: str | None) -> bool:
        return bool(topic) and topic not in self.except_topics

    def priority_for(self, facts: dict, current: str | None):
        """(raised priority, rule id) when a rule raises it above `current`; else None."""
        match = self.priority_rules.first(facts)
        if match is None:
            return None
        rank = PRIORITIES.index
        if current in PRIORITIES and rank(match.outcome) <= rank(current):
            return None
        return match.outcome, match.rule


def _code(kind: str, code: str) -> str:
    return code


def assess_join(rules: IncidentRules, new: PlaceFacts, other: PlaceFacts, names=_code) -> Join:
    """Whether the new appeal belongs with `other`, and why (or why not), in Russian; `names(kind, code)`
    gives a topic's or a municipality's Russian name (the policy set's labels)."""
    if not rules.groups(new.topic):
        return Join(False, (f"тема «{names('topic', new.topic) if new.topic else '—'}» не группируется",))
    if new.topic != other.topic:
        return Join(False, (f"другая тема: {names('topic', other.topic)}",))
    if new.municipality != other.municipality:
        return Join(False, ("другое муниципальное образование",))
    if new.first - other.last > rules.window or other.first - new.first > rules.window:
        return Join(False, (f"вне окна {_hours(rules.window)} ч",))
    reasons = [f"та же тема: {names('topic', new.topic)}",
               f"то же муниципальное образование: {names('municipality', new.municipality)}"]
    if new.street is not None and other.street is not None:
        if new.street.name != other.street.name:
            return Join(False, (f"другая улица: {other.street.name}",))
        reasons.append(f"та же улица: {new.street.name}")
    elif None not in (new.lat, new.long, other.lat, other.long):
        metres = distance_m(new.lat, new.long, other.lat, other.long)
        if metres > rules.radius_m:
            return Join(False, (f"дальше {rules.radius_m:g} м: {metres:.0f} м",))
        reasons.append(f"рядом: {metres:.0f} м ≤ {rules.radius_m:g} м")
    else:
        return Join(False, ("место не указано: нет улицы или координат у обоих",))
    reasons.append(f"в пределах {_hours(rules.window)} ч")
    score = overlap(new.words, other.words)
    if score < rules.min_overlap:
        return Join(False, (f"мало общих слов: {score:.2f} < {rules.min_overlap:g}",))
    common = sorted(set(new.words) & set(other.words))[:8]
    reasons.append(f"общие слова {score:.2f} ≥ {rules.min_overlap:g}: {', '.join(common)}")
    return Join(True, tuple(reasons), score)


def _hours(window: timedelta) -> str:
    return f"{window.total_seconds() / 3600:g}"


def incident_rules_from_document(doc: dict, file: str = INCIDENTS_FILE, topics=DEFAULT_TOPICS) -> IncidentRules:
    if not isinstance(doc, dict):
        raise RulebookError(f"{file}: ожидается словарь с полями grouping и rules")
    extra = set(doc) - {"grouping", "ruleset", "hit_policy", "rules"}
    if extra:
        raise RulebookError(f"{file}: поле {sorted(extra)[0]}: неизвестное поле; допустимы grouping, ruleset, "
                            "hit_policy, rules")
    grouping = doc.get("grouping")
    if not isinstance(grouping, dict):
        raise RulebookError(f"{file}: поле grouping: ожидается словарь ({', '.join(sorted(GROUPING_FIELDS))})")
    unknown = set(grouping) - GROUPING_FIELDS
    if unknown:
        raise RulebookError(f"{file}: поле grouping.{sorted(unknown)[0]}: неизвестное поле; допустимы "
                            f"{', '.join(sorted(GROUPING_FIELDS))}")
    window = _number(grouping, "window_hours", file, minimum=1, maximum=24 * 30)
    radius = _number(grouping, "radius_m", file, minimum=1, maximum=50_000)
    share = _number(grouping, "min_overlap", file, minimum=0, maximum=1)
    excepted = grouping.get("except_topics", [])
    if not isinstance(excepted, list) or not all(isinstance(t, str) for t in excepted):
        raise RulebookError(f"{file}: поле grouping.except_topics: ожидается список тем")
    facts = dict(INCIDENT_FACTS)
    facts["topic"] = FactSpec("topic", "str", "Тема инцидента", tuple(sorted(topics)) if topics else None)
    ruleset = load_first_match(doc, file=file, name=doc.get("ruleset", "incidents"), facts=facts,
                               outcome="priority", outcomes=set(PRIORITIES))
    return IncidentRules(timedelta(hours=window), float(radius), float(share), frozenset(excepted), ruleset)


def _number(doc: dict, name: str, file: str, *, minimum: float, maximum: float) -> float:
    value = doc.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise RulebookError(f"{file}: поле grouping.{name}: ожидается число от {minimum:g} до {maximum:g}")
    return value
