"""Russian text into facts: topic lexicon, gazetteer in inflected forms, 59-ФЗ flags, and the decision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.classify import load_reader
from engine.domain.appeal import Author, IncomingAppeal
from tests.support.paths import RULES_DIR

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def reader():
    return load_reader(RULES_DIR)


def appeal(text: str, **fields) -> IncomingAppeal:
    return IncomingAppeal(channel=fields.pop("channel", "portal"), external_id="x", text=text, received_at=NOW,
                          **fields)


@pytest.mark.parametrize("text, topic, subtopic", [
    ("На ул. Попова огромные ямы, провал асфальта", "roads", "pits"),
    ("Третий день нет горячей воды в доме", "housing", "water"),
    ("Батареи ледяные, отопление не включили", "housing", "heating"),
    ("Нет мест в детских садах", "education", None),
    ("Как получить патент мигранту", "other", "migration"),
    ("Постоянно отключают электричество", "energy", None),
    ("Мусор не вывозят с контейнерной площадки", "waste", None),
])
def test_the_lexicon_finds_the_topic_and_subtopic_in_any_inflection(reader, text, topic, subtopic):
    found = reader.read(appeal(text)).classification

    assert (found.topic, found.subtopic) == (topic, subtopic)
    assert 0 < found.confidence <= 1 and found.matched


@pytest.mark.parametrize("text, topic, subtopic", [
    ("Третий час нет света на улице Антона Петрова", "energy", "outage"),
    ("Опять отключили электричество во всём подъезде", "energy", "outage"),
    ("Сидим без света с утра", "energy", "outage"),
    ("У нас свет пропал, когда дадут?", "energy", "outage"),
    ("Нет воды с самого утра", "housing", "water"),
    ("В квартире нет отопления", "housing", "heating"),
    ("Батареи холодные уже неделю", "housing", "heating"),
])
def test_the_lexicon_recognises_outages_as_residents_write_them(reader, text, topic, subtopic):
    found = reader.read(appeal(text)).classification

    assert (found.topic, found.subtopic) == (topic, subtopic)
    assert found.confidence >= reader.min_confidence


def test_the_word_light_alone_is_not_an_outage(reader):
    found = reader.read(appeal("Во дворе красивый свет фонарей")).classification

    assert found.topic is None


def test_a_text_without_lexicon_terms_has_no_topic_and_zero_confidence(reader):
    found = reader.read(appeal("Детский праздник прошёл, а сад зарос")).classification

    assert found.topic is None and found.confidence == 0


def test_a_text_mixing_topics_is_less_confident_than_a_clear_one(reader):
    clear = reader.read(appeal("Яма на дороге, провал асфальта")).classification
    mixed = reader.read(appeal("Яма на дороге возле школы, автобус не ходит")).classification

    assert mixed.confidence < clear.confidence


@pytest.mark.parametrize("text, municipality", [
    ("Яма на дороге в Бийске", "biysk"),
    ("Ямы на дорогах Бийского района", "biysky-district"),
    ("В Барнауле и барнаульских дворах нет уборки", "barnaul"),
    ("Жители Рубцовска жалуются", "rubtsovsk"),
    ("В Камне-на-Оби нет воды", "kamen-na-obi"),
    ("Змеиногорского района школа", "zmeinogorsky-district"),
    ("Просто текст без места", None),
])
def test_the_gazetteer_finds_the_municipality_in_inflected_forms(reader, text, municipality):
    place = reader.read(appeal(text)).place

    assert (place.municipality if place else None) == municipality


def test_the_channels_municipality_is_kept_and_the_text_is_not_searched(reader):
    assert reader.read(appeal("Яма в Бийске", municipality="barnaul")).place is None


@pytest.mark.parametrize("words, count", [
    ("колебания напряжения, страхуй квартиру, рубля не хватает, корабля нет", 0),
    ("да заебали уже, хуже некуда", 1),
])
def test_the_obscene_lexicon_counts_roots_and_spares_innocent_lookalikes(reader, words, count):
    assert reader.read(appeal(words)).obscene_words == count


@pytest.mark.parametrize("author, address, anonymous", [
    (Author(name="Анна Кравцова", contact="anna@example.ru"), None, False),
    (Author(name="Анна", contact="anna@example.ru"), None, True),  # no surname
    (Author(name="Анна Кравцова"), None, True),  # nowhere to answer
    (Author(name="Анна Кравцова"), "Барнаул, ул. Попова, 105", False),
])
def test_a_59fz_appeal_without_a_surname_or_an_address_is_flagged_anonymous(reader, author, address, anonymous):
    reading = reader.read(appeal("Яма", author=author, address=address, regime="fz59", fz59=True))

    assert reading.anonymous is anonymous


def test_an_email_channel_is_flagged_as_not_a_59fz_channel(reader):
    assert reader.read(appeal("Яма", channel="email")).plain_email
    assert not reader.read(appeal("Яма", channel="portal")).plain_email


def test_the_decision_carries_the_lexicon_topic_place_and_flags_with_an_explanation(policy_set):
    decision = policy_set.decide(appeal("Постоянно отключают электричество в Бийске, заебали", regime="fz59",
                                        author=Author(name="Анна")))

    assert decision.topic == "energy"
    assert {"obscene", "anonymous", "topic-by-lexicon"} <= set(decision.tags)
    classify = decision.explanation[0]
    assert classify["stage"] == "classify"
    assert classify["classification"]["matched"] == ["электричество"]
    assert classify["municipality"]["municipality"] == "biysk"
    assert "lexicon:energy" in decision.explain_text()


def test_a_channel_category_wins_over_the_lexicon_and_the_disagreement_is_recorded(policy_set):
    decision = policy_set.decide(appeal("Третий день нет горячей воды", category="Дороги"))

    assert decision.topic == "roads"
    assert "topic-disagreement" in decision.tags
    assert "расхождение" in decision.explanation[0]["fired"][0]["description"]


def test_the_normaliser_reads_a_100k_character_text(reader):
    reading = reader.read(appeal(("В Бийске яма на дороге. " * 5000)[:100_000]))

    assert reading.classification.topic == "roads" and reading.place.municipality == "biysk"
