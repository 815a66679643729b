"""A decision's text reads the same rendered from the decision just made and from the explanation a decision
record stores as JSON (the store keeps no text since m0036), over every appeal of the demo corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from engine.rulebook.model import explanation_text
from engine.store.models import JSONField
from tests.support.corpus import corpus_appeals

STORED = JSONField()  # what the decision record's explanation column does to a value


def as_stored(decision) -> dict:
    """The decision's fields as a decision record keeps and gives them back."""
    d = decision.to_dict()
    return {**{k: d[k] for k in ("version", "body", "role", "policy", "priority", "topic", "tags", "control")},
            "explanation": json.loads(STORED.db_value(d["explanation"]))}


def test_every_corpus_decision_reads_the_same_from_its_stored_explanation(policy_set):
    appeals = corpus_appeals(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), copies=1)
    texts = []
    for appeal in appeals:
        decision = policy_set.decide(appeal, read=policy_set.read(appeal))
        text = decision.explain_text()
        assert explanation_text(as_stored(decision)) == text, appeal.text
        texts.append(text)
    assert len(appeals) > 50
    whole = "\n".join(texts)
    # values shown as people read them, not as Python writes them
    assert "(факт: нет значения)" in whole and "действия: {body: " in whole
    assert "('" not in whole and "['" not in whole and "True" not in whole and "None" not in whole
    assert any("на контроле ЦУР" in t for t in texts)


def test_values_of_every_kind_are_shown_alike():
    live = {"then": {"notify_now": ("head",), "control": True, "subtopic": None, "body": "b"},
            "seen": ("яма", "провал"), "count": 3}
    stored = json.loads(STORED.db_value(live))
    assert stored["then"]["notify_now"] == ["head"] and stored["seen"] == ["яма", "провал"]

    def decision(values: dict) -> dict:
        return {"version": "v1", "body": "b", "role": "r", "policy": "p", "priority": "normal", "topic": "roads",
                "tags": ["anonymous"], "control": False,
                "explanation": [{"stage": "route", "hit_policy": "first", "fired": [
                    {"rule": "x", "description": "d", "then": values["then"],
                     "conditions": [{"fact": "lemmas", "op": "has_any", "value": values["seen"],
                                     "actual": values["count"]}]}]}]}

    text = explanation_text(decision(live))
    assert "действия: {body: b, control: да, notify_now: [head], subtopic: —}" in text
    assert "lemmas has_any [яма, провал] (факт: 3)" in text
    assert explanation_text(decision(stored)) == text


def test_the_place_and_history_in_an_explanation_carry_every_field_of_theirs():
    import dataclasses

    from engine.classify.gazetteer import Place
    from engine.classify.history import History

    for value in (Place("barnaul", 2, ("Барнаул", "Барнаула")), History(3, 41, 5, True)):
        assert value.to_dict() == json.loads(json.dumps(dataclasses.asdict(value)))
