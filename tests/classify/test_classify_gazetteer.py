"""The gazetteer covers every municipality of Altai Krai, in generated inflections, with the ids the rules use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from engine.classify import load_reader
from engine.classify.gazetteer import Gazetteer
from engine.classify.matching import Term, TermIndex, Tokens, inflections
from engine.domain.appeal import IncomingAppeal
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AppealRecord
from tests.support.paths import RULES_DIR

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_reader(RULES_DIR).gazetteer


def where(gazetteer, text: str) -> str | None:
    place = gazetteer.locate(Tokens(text))
    return place.municipality if place else None


def test_every_upper_level_municipality_of_the_krai_is_in_the_gazetteer(gazetteer):
    doc = yaml.safe_load((RULES_DIR / "gazetteer.yaml").read_text(encoding="utf-8"))["municipalities"]
    kinds = [entry.get("kind") for entry in doc.values()]

    # 10 city okrugs (ЗАТО Сибирский among them) and 59 municipal districts, some now municipal okrugs
    assert (kinds.count("city"), kinds.count("district")) == (10, 59)
    assert len(set(gazetteer.titles.values())) == 69
    assert {"barnaul", "biysk", "rubtsovsk", "yarovoe", "sibirsky", "kamen-na-obi", "talmensky-district",
            "nemetsky-natsionalny-district", "ust-pristansky-district"} <= set(gazetteer.names)


def municipality_ids_in_rules() -> dict[str, set[str]]:
    """Every municipality id the directory, the routing rules and their test cases name, by file."""
    found: dict[str, set[str]] = {}
    directory = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    found["directory.yaml"] = set(directory.get("municipalities") or {}) | {
        b["municipality"] for b in directory.get("bodies", []) if b.get("municipality")}

    def walk(node, ids: set[str]) -> None:
        if isinstance(node, dict):
            if node.get("fact") == "municipality":
                value = node.get("value")
                ids.update(value if isinstance(value, list) else [value])
            if isinstance(node.get("given"), dict) and node["given"].get("municipality"):
                ids.add(node["given"]["municipality"])
            table = node.get("table")
            if isinstance(table, dict) and "municipality" in table.get("inputs", []):
                column = table["inputs"].index("municipality")
                for row in table.get("rows", []):
                    cell = row["when"][column]
                    ids.update(c for c in (cell if isinstance(cell, list) else [cell]) if c != "*")
            for value in node.values():
                walk(value, ids)
        elif isinstance(node, list):
            for value in node:
                walk(value, ids)

    for path in sorted((RULES_DIR / "routing").glob("*.yaml")):
        ids: set[str] = set()
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), ids)
        found[f"routing/{path.name}"] = ids
    return found


def test_every_municipality_id_of_the_directory_and_the_routing_rules_is_a_gazetteer_id(gazetteer):
    used = municipality_ids_in_rules()

    assert used["directory.yaml"] >= {"barnaul", "biysk", "rubtsovsk", "pavlovsky-district"}
    assert used["routing/municipal.yaml"] >= {"biysk", "rubtsovsk"}
    unknown = {name: sorted(ids - set(gazetteer.names)) for name, ids in used.items() if ids - set(gazetteer.names)}
    assert unknown == {}


@pytest.mark.parametrize("text, municipality", [
    ("Во дворе на Малахова в Барнауле яма", "barnaul"),
    ("В Индустриальном районе не вывозят мусор", "barnaul"),
    ("Жители Новоалтайска жалуются на воду", "novoaltaysk"),
    ("В Белокурихе опять отключили свет", "belokurikha"),
    ("Из Заринска не доехать: автобус отменили", "zarinsk"),
    ("в городе Яровое нет горячей воды", "yarovoe"),
    ("Поликлиника в ЗАТО Сибирском закрыта", "sibirsky"),
    ("Дороги Алейского района разбиты", "aleysky-district"),
    ("Алтайский район, село, нет фельдшера", "altaysky-district"),
    ("В Тальменке нет света третий день", "talmensky-district"),
    ("Школа в Быстром Истоке без отопления", "bystroistoksky-district"),
    ("Жители Усть-Калманки просят автобус", "ust-kalmansky-district"),
    ("В Усть-Чарышской Пристани размыло дорогу", "ust-pristansky-district"),
    ("Гальбштадт: не работает водокачка", "nemetsky-natsionalny-district"),
    ("в Немецком национальном районе закрыли ФАП", "nemetsky-natsionalny-district"),
    ("В Верх-Суетке нет связи", "suetsky-district"),
    ("Хабарский муниципальный округ, свалка у дороги", "khabarsky-district"),
    ("Краснощёковский р-н, с. Карпово", "krasnoshchyokovsky-district"),
    ("В Шипуново не убирают снег", "shipunovsky-district"),
    ("Кулундинского муниципального района жители", "kulundinsky-district"),
    ("В Кулунде нет воды", "kulundinsky-district"),
    ("В Рубцовском районе и в самом Рубцовске, но больше в районе: Рубцовский район", "rubtsovsky-district"),
])
def test_the_gazetteer_finds_cities_districts_okrugs_and_centres_in_their_inflected_forms(gazetteer, text,
                                                                                         municipality):
    assert where(gazetteer, text) == municipality


@pytest.mark.parametrize("text", [
    "Скучаю по родине",  # Родино is a village; "родина" is not
    "Романова Анна Петровна, ул. Попова 5",  # the surname is not Романово
    "Сев яровой пшеницы сорван",  # Яровое is a town; "яровой" is a word
    "Настоящий сибирский мороз",  # ЗАТО Сибирский only as a settlement
    "Губернатору Алтайского края",
    "Ещё с советских времён, советское наследие",
])
def test_ordinary_words_that_look_like_place_names_are_not_places(gazetteer, text):
    assert where(gazetteer, text) is None


def test_inflections_come_from_pymorphy3_and_names_in_o_or_e_are_kept_as_written():
    assert {"тальменке", "тальменки", "тальменкой"} <= inflections("Тальменка")
    assert {"бийского", "бийском", "бийскому"} <= inflections("бийский")
    assert inflections("Родино") == inflections("Яровое") == frozenset()
    assert Term.place("Родино").words == (frozenset({"родино"}),)


def test_one_index_finds_every_phrase_and_word_in_one_pass_overlaps_included():
    index = TermIndex([(Term.place("Бийский район"), "district"), (Term.place("Бийск"), "city"),
                       (Term.parse("горячая вода"), "water")])

    found = [(m.start, m.end, m.key) for m in index.find(Tokens("Нет горячей воды в Бийском районе и в Бийске"))]

    # "Бийском" is also the city's instrumental case: the gazetteer, not the index, prefers the longer name
    assert sorted(found) == [(1, 3, "water"), (4, 5, "city"), (4, 6, "district"), (8, 9, "city")]


@pytest.mark.parametrize("entry, named", [
    ({"name": "Бийский", "kind": "district"}, "a district is named"),
    ({"name": "Бийск", "kind": "village"}, "field kind"),
    ({"name": "Бийск", "forms": "Бийск"}, "field forms"),
    ({"name": "Яровое", "name_alone": False}, "no name to find it by"),
])
def test_a_wrong_gazetteer_entry_is_an_error_naming_it(entry, named):
    with pytest.raises(ValueError, match=named) as raised:
        Gazetteer.from_document({"municipalities": {"x": entry}})

    assert "municipality x" in str(raised.value)


def test_a_municipality_without_a_body_is_detected_and_routed_by_the_existing_rules(runtime, policy_set):
    incoming = IncomingAppeal(channel="portal", external_id="t-1", text="В Тальменке третий день нет горячей воды",
                              received_at=NOW, regime="fz59", fz59=True)

    decision = policy_set.decide(incoming)
    received = receive_appeal(runtime, incoming, "{}", actor="test")

    assert "gazetteer:talmensky-district" in decision.explain_text()
    assert decision.body  # the existing rules route it (a regional body, or the centre's triage queue)
    assert route_appeal(runtime, received.appeal_id)
    appeal = AppealRecord.get_by_id(received.appeal_id)
    assert (appeal.status, appeal.municipality, appeal.body) == ("routed", "talmensky-district", decision.body)
