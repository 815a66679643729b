"""Cases of the incident rules: ``incidents_test.yaml`` beside ``incidents.yaml``.

Two shapes. Joining: ``given: {incident: {...}, appeal: {...}}`` — each side with ``topic``,
``municipality``, ``text``, optional ``address``, ``lat``, ``long``, and ``received`` (a local time
with the weekday and the zone, ``"Mon 2026-12-07 09:00 Asia/Barnaul"``); ``expect: {joined: true|false}``
and optionally ``reason`` (a piece of the explanation). Priority: ``given`` the incident's facts
(``incident_authors``, ``incident_members``, ``topic``, ``municipality``, ``priority``), ``expect:
{priority: …}`` — the priority after the rules (the current one when no rule raises it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.classify.incident_place import street_of, topic_words
from engine.rulebook.incident_rules import INCIDENT_FACTS, INCIDENTS_FILE, PlaceFacts, assess_join

from .deadlines import parse_moment
from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

SIDE = ("topic", "municipality", "text", "address", "lat", "long", "received")
JOIN_EXPECT = ("joined", "reason")


class IncidentCases:
    gap = "rules"

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        if getattr(policy_set, "incidents", None) is None:
            return {}
        return {INCIDENTS_FILE[: -len(".yaml")] + "_test.yaml": f"объединения в инциденты ({INCIDENTS_FILE})"}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        if "appeal" in given or "incident" in given:
            problems = [f"поле given.{k}: неизвестное поле; возможны: incident, appeal"
                        for k in given if k not in ("incident", "appeal")]
            for side in ("incident", "appeal"):
                raw = given.get(side)
                if not isinstance(raw, dict):
                    problems.append(f"поле given.{side}: нужен словарь ({', '.join(SIDE)})")
                    continue
                problems += [f"поле given.{side}.{k}: неизвестное поле; возможны: {', '.join(SIDE)}"
                             for k in raw if k not in SIDE]
                for k in ("topic", "received"):
                    if k not in raw:
                        problems.append(f"поле given.{side}.{k}: обязательное поле")
                if "received" in raw:
                    try:
                        parse_moment(raw["received"], f"given.{side}.received", zone=True)
                    except ValueError as exc:
                        problems.append(str(exc))
            problems += [f"поле expect.{k}: неизвестное ожидание; возможны: {', '.join(JOIN_EXPECT)}"
                         for k in expect if k not in JOIN_EXPECT]
            if not isinstance(expect.get("joined"), bool):
                problems.append("поле expect.joined: true или false")
            return problems
        problems = [f"поле given.{k}: неизвестный факт; возможны: {', '.join(INCIDENT_FACTS)}"
                    for k in given if k not in INCIDENT_FACTS]
        problems += [f"поле expect.{k}: неизвестное ожидание; возможно: priority" for k in expect if k != "priority"]
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        rules = policy_set.incidents
        if "appeal" in given:
            verdict = assess_join(rules, _side(given["appeal"]), _side(given["incident"]), policy_set.labels)
            failures = []
            if verdict.joined != expect["joined"]:
                failures.append(f"joined: ожидалось {'объединить' if expect['joined'] else 'не объединять'}, "
                                f"получено: {'; '.join(verdict.reasons)}")
            if "reason" in expect and not any(str(expect["reason"]) in r for r in verdict.reasons):
                failures.append(f"reason: в объяснении нет «{expect['reason']}»: {'; '.join(verdict.reasons)}")
            return CaseResult(rel, name, tuple(failures), ("grouping",))
        current = given.get("priority")
        raised = rules.priority_for(dict(given), current)
        got = raised[0] if raised else current
        match = rules.priority_rules.first(dict(given))
        failures = () if got == expect.get("priority") else (
            f"priority: ожидалось {expect.get('priority')}, получено {got}",)
        return CaseResult(rel, name, failures, (match.rule,) if match else ())

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        if getattr(policy_set, "incidents", None) is None:
            return []
        seen = {c for r in results for c in r.covers}
        rules = [*policy_set.incidents.priority_rules.rules, "grouping"]
        return [f"{INCIDENTS_FILE}: {rule}" for rule in rules if rule not in seen]


def _side(raw: dict) -> PlaceFacts:
    moment, _ = parse_moment(raw["received"], "received", zone=True)
    street = street_of(raw.get("address"), raw.get("text"))
    return PlaceFacts(raw["topic"], raw.get("municipality"), street, raw.get("lat"), raw.get("long"),
                      topic_words(raw.get("text"), street), moment, moment)
