"""The sector block of an appeal as rules data: ``sector`` on the lexicon's topics, ``set_sector`` in a
rule, the body's block otherwise; unknown codes are refused at load time with the file, rule and field."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import yaml

from engine.domain.appeal import IncomingAppeal
from engine.policyset import PolicySetError, load_policy_set
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import edited_policy

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def appeal(text: str, municipality: str) -> IncomingAppeal:
    return IncomingAppeal(channel="portal", external_id="x", text=text, received_at=NOW, municipality=municipality)


def test_the_topic_gives_the_sector_before_the_body(policy_set):
    heating = policy_set.decide(appeal("Нет отопления, батареи холодные", "biysk"))
    lights = policy_set.decide(appeal("Во дворе не горят фонари", "rubtsovsk"))

    assert (heating.body, heating.sector) == ("biysk-admin", "housing")
    assert (lights.body, lights.topic, lights.sector) == ("rubtsovsk-admin", "other", "other")  # no sector: the body's


def test_a_rule_sets_the_sector_over_the_topics(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "routing" / "housing.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in doc["rules"] if r["id"] == "energy-outage-barnaul")
    rule["then"]["set_sector"] = "housing"  # the city's emergency desk answers to the housing head
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    changed = load_policy_set(folder)

    decision = changed.decide(appeal("Третий час нет света на улице Антона Петрова", "barnaul"))

    assert (decision.topic, decision.sector) == ("energy", "housing")
    fired = [f for stage in decision.explanation for f in stage["fired"]]
    assert any(f["rule"] == "energy-outage-barnaul" and f["then"].get("sector") == "housing" for f in fired)


def test_an_unknown_sector_in_a_rule_names_the_file_the_rule_and_the_field(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "routing" / "housing.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["rules"][0]["then"]["set_sector"] = "mars"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(PolicySetError, match=r"housing\.yaml: rule housing-heating-outage-barnaul: "
                                             r"field then\.set_sector: unknown sector 'mars'"):
        load_policy_set(folder)


def test_an_unknown_sector_on_a_topic_names_the_topic(tmp_path):
    def misspell(doc):
        doc["topics"]["energy"]["sector"] = "enrgy"

    with pytest.raises(PolicySetError, match=r"lexicon\.yaml: topic energy: field sector: unknown sector 'enrgy'"):
        edited_policy(tmp_path, lexicon=misspell)


@pytest.mark.parametrize("text, body", [
    ("Третий час нет света на улице Антона Петрова в Барнауле", "barnaul-emergency-desk"),
    ("В Барнауле отключили электричество, сидим без света", "barnaul-emergency-desk"),
    ("В Бийске опять свет пропал на всей улице", "grid-operator"),
    ("Змеиногорск: нет электричества с утра", "grid-operator"),
])
def test_a_power_cut_as_a_resident_writes_it_on_vk_goes_to_the_grid_or_the_emergency_desk(policy_set, text, body):
    incoming = IncomingAppeal(channel="vk", external_id="x", text=text, received_at=NOW, regime="incident")

    decision = policy_set.decide(incoming)

    assert (decision.body, decision.topic, decision.sector) == (body, "energy", "energy")
    assert decision.body != "min-energy"  # never the tariff regulator
    if body == "barnaul-emergency-desk":
        assert (decision.priority, decision.policy) == ("high", "incident-high")
