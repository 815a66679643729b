"""Cases of the complaint stage of watched walls: ``routing/monitoring_test.yaml`` beside
``routing/monitoring.yaml``.

``given``: ``text`` (a post or comment as written). ``expect``: ``complaint`` (true or false),
``score_at_least`` / ``score_below`` (the score's bounds), ``words`` (pieces the explanation names,
e.g. ``«когда уже»`` or ``тема roads``). The text is judged by ``engine.monitor.complaints`` with the
folder's text reader, as the watch job judges it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.monitor.complaints import FILE, MonitoringRulesError, load_stage

from .report import CaseResult

if TYPE_CHECKING:
    from engine.policyset import PolicySet

CASES = FILE[: -len(".yaml")] + "_test.yaml"
GIVEN = ("text",)
EXPECT = ("complaint", "score_at_least", "score_below", "words")


class MonitoringCases:
    gap = "rules"

    def owners(self, policy_set: PolicySet) -> dict[str, str]:
        if not (policy_set.rules_dir / FILE).is_file():
            return {}
        return {CASES: f"этапа «жалоба или разговор» наблюдаемых стен ({FILE})"}

    def problems(self, policy_set: PolicySet, given: dict, expect: dict) -> list[str]:
        problems = [f"поле given.{k}: неизвестное поле; возможно: text" for k in given if k not in GIVEN]
        problems += [f"поле expect.{k}: неизвестное ожидание; возможны: {', '.join(EXPECT)}"
                     for k in expect if k not in EXPECT]
        if not isinstance(given.get("text"), str) or not given["text"].strip():
            problems.append("поле given.text: нужен текст записи или комментария")
        if "complaint" in expect and not isinstance(expect["complaint"], bool):
            problems.append("поле expect.complaint: true или false")
        return problems

    def run(self, policy_set: PolicySet, rel: str, name: str, given: dict, expect: dict) -> CaseResult:
        try:
            stage = load_stage(policy_set.rules_dir)
        except MonitoringRulesError as exc:
            return CaseResult(rel, name, (str(exc),))
        judged = stage.judge(given["text"], policy_set.reader)
        failures = []
        if "complaint" in expect and judged.complaint != expect["complaint"]:
            failures.append(f"complaint: ожидалось {expect['complaint']}, получено {judged.complaint} "
                            f"({judged.explanation()})")
        if "score_at_least" in expect and judged.score < float(expect["score_at_least"]):
            failures.append(f"score: ожидалось не меньше {expect['score_at_least']}, получено {judged.score:g}")
        if "score_below" in expect and judged.score >= float(expect["score_below"]):
            failures.append(f"score: ожидалось меньше {expect['score_below']}, получено {judged.score:g}")
        for word in expect.get("words") or []:
            if not any(str(word) in found for found in judged.words):
                failures.append(f"words: в объяснении нет {word!r} ({judged.explanation()})")
        return CaseResult(rel, name, tuple(failures))

    def uncovered(self, policy_set: PolicySet, results: list[CaseResult]) -> list[str]:
        return []
