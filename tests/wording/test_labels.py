"""Russian names of codes: the fixed tables cover every code people are shown, and the rules folder
names its bodies, officials, roles, topics, municipalities, deadline policies and ladder levels."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.domain.deadlines import CLOCK_KINDS
from engine.domain.directory import CHANNELS
from engine.domain.vocabulary import STATUSES
from engine.services.actions import TRANSITIONS
from engine.wording.labels import LABELS, Labels, labels_for


@pytest.mark.parametrize(("kind", "codes"), [
    ("status", STATUSES),
    ("clock", CLOCK_KINDS),
    ("action", tuple(TRANSITIONS)),
    ("channel", CHANNELS),
    ("level", ("dead-letter", "daily-digest")),
])
def test_every_code_of_a_fixed_vocabulary_has_a_russian_name(kind, codes):
    assert all(LABELS.has(kind, code) and LABELS(kind, code) != code for code in codes), kind


def test_a_code_without_a_name_is_shown_as_it_is():
    assert (LABELS("status", "archived"), LABELS("no-such-kind", "x"), LABELS("status", None)) == ("archived", "x", "")


def test_the_rules_folder_names_its_own_codes(policy_set):
    labels = labels_for(policy_set)

    assert labels("body", "barnaul-roads-committee") == "Комитет по дорожному хозяйству и транспорту города Барнаула"
    assert labels("official", "gromov-ka") == "Громов Константин Андреевич"
    assert labels("role", "head_of_body") == "Руководитель органа"
    assert labels("sector", "housing") == "ЖКХ"
    assert labels("municipality", "barnaul") == "Барнаул"
    assert labels("topic", "roads") == "Дороги"
    assert labels("policy", "incident") == "Инцидент из социальных сетей"
    assert labels("level", "breach") == "Срок нарушен"
    assert labels("level", "dead-letter") == "Уведомление не доставлено"  # the fixed names stay
    assert labels("status", "in_progress") == "в работе"
    assert policy_set.labels("body", "min-health") == "Министерство здравоохранения Алтайского края"


def test_a_topic_the_lexicon_does_not_name_is_named_by_the_directory_s_sector(policy_set):
    without_lexicon = SimpleNamespace(directory=policy_set.directory, reader=None, policies={}, ladders=())

    assert labels_for(without_lexicon)("topic", "waste") == policy_set.directory.sectors["waste"]
    assert labels_for(policy_set)("topic", "waste") == policy_set.reader.lexicon.topics["waste"].name


@pytest.mark.parametrize(("kind", "policy", "words"), [
    ("answer", "fz59", "срок ответа по 59-ФЗ"),
    ("forward", "fz59-migration", "срок направления по компетенции по 59-ФЗ"),
    ("first_response", "incident", "срок первичного ответа по политике «Инцидент из социальных сетей»"),
    ("answer", "pos-message", "срок ответа по политике «Сообщение на Платформе обратной связи Госуслуг»"),
    ("answer", "retired-policy", "срок ответа по политике «retired-policy»"),
    ("answer", None, "срок ответа"),
])
def test_a_deadline_is_named_by_its_clock_and_its_regime_or_policy(policy_set, kind, policy, words):
    assert labels_for(policy_set).deadline(kind, policy) == words


@pytest.mark.parametrize(("event", "details", "title"), [
    ("appeal.received", {}, "Обращение получено"),
    ("clock.started", {"clock": "answer"}, "Запущен срок ответа"),
        ("clock.paused", {"clock": "first_response"}, "Срок приостановлен: срок первичного ответа"),
    ("appeal.take", {}, "Взять в работу"),
    ("appeal.reject", {"reason": "obscene"}, "Оставить без ответа по существу"),
    ("rules.published", {}, "Правила опубликованы"),
        ("something.new", {}, "something.new"),
])
def test_timeline_events_keep_their_titles(event, details, title):
    assert LABELS.event(event, details) == title


def test_a_new_kind_of_code_is_one_more_table():
    labels = Labels().with_tables({"author_type": {"foreigner": "иностранный гражданин"},
                                   "status": {"closed": "другое имя"}})

    assert labels("author_type", "foreigner") == "иностранный гражданин"
    assert labels("status", "closed") == "закрыто"  # a fixed name is not overridden
