from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.classify import text as textmod
from engine.domain.appeal import Author, IncomingAppeal
from engine.rulebook import FactError, appeal_facts, fact_table, load_rulebook
from engine.rulebook.vocabulary import cap_bytes
from tests.support.paths import RULES_DIR
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


@pytest.fixture(scope="module")
def demo():
    return load_rulebook(RULES_DIR, **directory_sets())


def test_text_normalisation_and_lemmas():
    assert textmod.words("Ёлка, ЁЖ и горячей-воды!") == ["елка", "еж", "и", "горячей-воды"]
    assert {"яма", "ям"} <= set(textmod.lemmas(["ямы"]))
    capped = cap_bytes("я" * 40_000)
    assert len(capped.encode()) <= 65_535 and capped == "я" * len(capped)


def test_appeal_facts_are_json_and_drive_a_decision(demo):
    appeal = IncomingAppeal(
        channel="vk", external_id="1", text="Огромная яма на Ленина",
        received_at=datetime(2025, 3, 1, 4, 0, tzinfo=UTC),
        author=Author(name="Иванова", type="citizen"), municipality="barnaul", regime="incident",
        attachments=("photo.jpg",),
    )
    local = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=7)))
    facts = appeal_facts(appeal, local_received=local)
    json.dumps(facts)
    assert facts["weekday"] == 6 and facts["hour"] == 11 and facts["attachment_count"] == 1
    assert "яма" in facts["lemmas"]
    d = demo.decide(facts)
    assert (d.body, d.route_rule_id, d.policy) == ("barnaul-roads-committee", "roads-pit-barnaul", "incident-high")
    assert "off-hours" in d.tags  # a Saturday
    assert d == demo.decide_reference(facts)


def test_explanation_is_json_and_names_the_facts(demo):
    d = demo.decide({"municipality": "barnaul", "regime": "incident", "text": "Нет горячей воды"})
    json.dumps(d.to_dict(), ensure_ascii=False)
    route = next(s for s in d.explanation if s["stage"] == "route")
    fired = route["fired"][0]
    assert fired["rule"] == "housing-heating-outage-barnaul"
    facts = {c["fact"]: c.get("actual") for c in fired["conditions"]}
    assert facts["municipality"] == "barnaul"
    assert route["considered"] and all(not c["matched"] for c in route["considered"])
    assert "housing-heating-outage-barnaul" in d.explain_text()


def test_keyword_at_the_end_of_a_huge_text_is_found(demo):
    text = "а" * 40_000 + " огромная яма"
    d = demo.decide({"municipality": "barnaul", "text": text})
    assert d.route_rule_id == "roads-pit-barnaul"


def test_wrong_fact_types_are_rejected(demo):
    with pytest.raises(FactError):
        demo.decide({"hour": "9"})
    with pytest.raises(FactError):
        demo.decide({"fz59": 1})


def test_not_on_a_missing_fact_is_true_and_not_equals_is_false(tmp_path):
    rules = [
        {"id": "neq", "description": "d", "when": {"fact": "municipality", "op": "not_equals", "value": "biysk"},
         "then": {"add_tags": ["neq"]}},
        {"id": "not-eq", "description": "d",
         "when": {"not": {"fact": "municipality", "op": "equals", "value": "biysk"}},
         "then": {"add_tags": ["not-eq"]}},
    ]
    probe = {"ruleset": "t/probe", "hit_policy": "collect", "rules": rules}
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(probe=probe)), **directory_sets())
    for decide in (rb.decide, rb.decide_reference):
        assert decide({}).tags == ("not-eq",)
        assert decide({"municipality": "barnaul"}).tags == ("neq", "not-eq")
        assert decide({"municipality": "biysk"}).tags == ()


def test_engine_refusal_falls_back_to_reference(tmp_path, caplog):
    # 70 rules true at once exceed the engine's 64 alpha tests per document
    rules = [{"id": f"h{i}", "description": "d", "when": {"fact": "text_length", "op": "gte", "value": i},
              "then": {"add_tags": [f"h{i}"]}} for i in range(70)]
    probe = {"ruleset": "t/probe", "hit_policy": "collect", "rules": rules}
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(probe=probe)), **directory_sets())
    d = rb.decide({"text_length": 100})
    assert len(d.tags) == 70 and d == rb.decide_reference({"text_length": 100})
    assert "refused" in caplog.text
    assert rb.decide({"text_length": 3}).tags == ("h0", "h1", "h2", "h3")


def test_concurrent_decisions_agree(demo):
    texts = ["Нет горячей воды", "Яма на дороге", "Не вывозят мусор", "Автобус не ходит"] * 25
    expected = [demo.decide_reference({"municipality": "barnaul", "text": t}) for t in texts]
    got: list = [None] * len(texts)

    def work(offset):
        for i in range(offset, len(texts), 4):
            got[i] = demo.decide({"municipality": "barnaul", "text": texts[i]})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_fact_table_lists_the_vocabulary():
    names = {row["name"] for row in fact_table()}
    assert {"lemmas", "repeat_count", "working_time", "fz59"} <= names
