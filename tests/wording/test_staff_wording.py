"""How staff pages word codes, times, people and the routing decision (engine.wording.staff)."""

from __future__ import annotations

import pytest

from engine.classify.matching import in_place
from engine.wording.labels import LABELS
from engine.wording.staff import (
    actor_name,
    detail_pairs,
    did_you_mean,
    local_time,
    routing_sentence,
    rule_title,
    zone_words,
)
from tests.support.moments import at

EXPLANATION = [
    {"stage": "classify", "classification": {"matched": ["яма", "провал", "асфальт"], "topic": "roads"}},
    {"stage": "route", "fired": [{"rule": "roads-pit-barnaul", "conditions": [
        {"fact": "topic", "actual": "roads"}, {"fact": "lemmas", "actual": ["яма", "провал"]}]}]},
]


def test_why_here_is_one_russian_sentence_with_the_rule_and_the_words_found(policy_set):
    labels = policy_set.labels
    decision = {"topic": "roads", "body": "barnaul-roads-committee", "rule": "roads-pit-barnaul",
                "explanation": EXPLANATION}
    title = rule_title(policy_set.rulebook.rules["roads-pit-barnaul"].description)

    sentence = routing_sentence(decision, labels, municipality="barnaul", in_place=in_place,
                                rule_titles={"roads-pit-barnaul": title})

    assert sentence == (f"{labels('topic', 'roads')} в Барнауле → {labels('body', 'barnaul-roads-committee')}: "
                        f"правило «Ямы, выбоины и провалы на дорогах Барнаула» (roads-pit-barnaul), "
                        "найдено: «яма», «провал»")


def test_without_a_rule_word_the_lexicons_words_are_named_and_no_place_reads_plainly():
    decision = {"topic": "roads", "body": "min-roads", "rule": "roads-region",
                "explanation": [EXPLANATION[0]]}

    sentence = routing_sentence(decision, LABELS, municipality=None, rule_titles={})

    assert sentence == "roads → min-roads: правило roads-region, найдено: «яма», «провал», «асфальт»"


@pytest.mark.parametrize(("name", "phrase"), [
    ("Барнаул", "в Барнауле"), ("Павловский район", "в Павловском районе"), ("Шипуново", "в Шипуново"),
    ("Белокуриха", "в Белокурихе"),
])
def test_a_place_after_v_is_in_the_prepositional_case(name, phrase):
    assert in_place(name) == phrase


def test_times_are_local_with_the_zone_named_once_in_words():
    moment = at("Mon 2026-11-30 03:00 UTC")

    assert local_time(moment, "Asia/Barnaul") == "30.11.2026 10:00"
    assert local_time(moment.isoformat(), "Europe/Moscow") == "30.11.2026 06:00"
    assert local_time(None, "Asia/Barnaul") == "—"
    assert zone_words("Asia/Barnaul", LABELS, moment) == "барнаульское время (UTC+7)"


def test_people_are_named_not_coded():
    people = {"roads-official": "Фёдоров С. П."}

    assert actor_name("user:roads-official", LABELS, people) == "Фёдоров С. П."
    assert actor_name("user:ghost", LABELS, people) == "сотрудник «ghost»"
    assert actor_name("token:7", LABELS) == "API-токен №7"
    assert actor_name("channel:vk", LABELS) == "канал «ВКонтакте»"
    assert actor_name("cli:анна", LABELS) == "командная строка (анна)"
    assert actor_name("system", LABELS) == "система"


def test_the_details_of_an_audit_record_read_in_russian(policy_set):
    labels = policy_set.labels
    details = {"kind": "final", "clocks_stopped": ["answer", "final_answer"], "status": "answered",
               "due_utc": "2027-01-11T16:59:59+00:00", "origin": "10.0.0.1", "calendar_version": "abc",
               "comment": "Выезд бригады", "official": "roads-official", "reason": "obscene",
               "reason_text": "Нецензурные выражения"}

    pairs = dict(detail_pairs(details, labels, "Asia/Barnaul", {"roads-official": "Фёдоров С. П."}))

    assert pairs == {"вид": "по существу", "остановлены сроки": "срок ответа, срок окончательного ответа",
                     "состояние": "дан ответ", "срок до": "11.01.2027 23:59", "комментарий": "Выезд бригады",
                     "исполнитель": "Фёдоров С. П.", "основание": "Нецензурные выражения"}


def test_a_misspelt_id_gets_the_closest_one_with_its_name():
    names = {"biysk-admin": "Администрация города Бийска"}

    assert did_you_mean("biysk-admn", names, names) == (
        "; возможно, имелось в виду biysk-admin («Администрация города Бийска»)")
    assert did_you_mean("qqq", names, names) == ""
    assert did_you_mean(None, names) == ""
