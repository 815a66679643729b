"""rules/replies.yaml is rules data like every other rule file: a template naming a field it may not use
fails at load time with the file, the kind and the field; its cases run through the one case runner, so
`appeals rules check` and publishing stop on a wrong text."""

from __future__ import annotations

import pytest

from engine.domain.reply_templates import ReplyTemplateError, templates_from_document
from engine.rulebook.snapshot import read_tree
from engine.services.rules.check import check_files
from tests.support.paths import RULES_DIR

ACK = "Ваше обращение №{appeal_id} передано в {body_name}, ответ будет дан до {due_date}."


def test_the_demo_replies_load_and_every_kind_has_a_template(policy_set):
    assert set(policy_set.replies.templates) == {"acknowledgement", "forwarded", "extended", "clarification",
                                                 "interim_answer", "final_answer", "rejected"}


@pytest.mark.parametrize("text, message", [
    ("Здравствуйте, {author_name}!", "replies.yaml: acknowledgement: поле text: поле {author_name}: неизвестное "
                                     "поле шаблона; возможны: appeal_id, body_name, due_date, received_date"),
    ("Ответ: {answer}", "поле {answer}: неизвестное поле шаблона"),  # the answer is not a field of this kind
    ("Орган: {body_name.__class__}", "поле {body_name.__class__}: неизвестное поле шаблона"),
    ("Срок: {due_date!r}", "поле {due_date}: в шаблоне только имя поля, без формата и преобразований"),
    ("Номер {appeal_id:>999999999}", "поле {appeal_id}: в шаблоне только имя поля"),
    ("Скобка { без пары", "шаблон не читается"),
])
def test_a_template_asking_for_anything_but_a_known_field_fails_at_load_time(text, message):
    with pytest.raises(ReplyTemplateError) as refused:
        templates_from_document({"messages": {"acknowledgement": {"text": text}}})
    assert message in str(refused.value)


@pytest.mark.parametrize("doc, message", [
    ({"messages": {"thanks": {"text": "Спасибо"}}}, "replies.yaml: thanks: неизвестный вид сообщения"),
    ({"messages": {"acknowledgement": {"text": ACK, "off": []}}}, "поле off: неизвестное поле"),
    ({"messages": {"acknowledgement": {"text": ACK, "switch_off": [{"when": {"regime": "fz95"}, "why": "…"}]}}},
     "switch_off[0]: поле when.regime: 'fz95' не значение условия"),
    ({"messages": {"acknowledgement": {"text": ACK, "switch_off": [{"when": {"channel": "vk"}}]}}},
     "поле why: объясните, почему сообщение не отправляется"),
])
def test_a_wrong_kind_key_or_switch_off_fails_with_its_place(doc, message):
    with pytest.raises(ReplyTemplateError) as refused:
        templates_from_document(doc)
    assert message in str(refused.value)


def test_rendering_reads_nothing_but_the_fields_given(policy_set):
    templates = templates_from_document({"messages": {"final_answer": {"text": "Ответ ({body_name}): {answer}"}}})

    rendered = templates.render("final_answer", {"answer": "{body_name} {appeal_id.__init__} {0}", "body_name": "X",
                                                 "secret": "never"})

    assert rendered.text == "Ответ (X): {body_name} {appeal_id.__init__} {0}"


def test_the_rules_check_refuses_an_unknown_field_naming_file_and_kind():
    files = read_tree(RULES_DIR)
    files["replies.yaml"] = files["replies.yaml"].replace("{due_date}.", "{due_day}.", 1)

    report = check_files(files)

    assert not report.ok
    [finding] = [f for f in report.findings if f.level == "error"]
    assert finding.file == "replies.yaml" and "acknowledgement: поле text: поле {due_day}" in finding.message


def test_the_rules_check_and_publishing_stop_on_a_reply_case_that_fails():
    files = read_tree(RULES_DIR)
    files["replies.yaml"] = files["replies.yaml"].replace("ответ будет дан до {due_date}.",
                                                          "ответ будет дан в срок.", 1)

    report = check_files(files)

    assert not report.ok
    failed = [c for c in report.cases_failed if c["file"] == "replies_test.yaml"]
    assert failed and any("ответ будет дан в срок" in f for c in failed for f in c["failures"])


def test_a_message_is_switched_off_for_one_channel_by_its_name():
    templates = templates_from_document({"messages": {"acknowledgement": {"text": ACK, "switch_off": [
        {"when": {"channel_name": ["hotline", "portal-import"], "regime": "fz59"},
         "why": "горячая линия сообщает о приёме по телефону"}]}}})

    facts = {"regime": "fz59", "channel": "generic", "route": "email", "author_type": "citizen"}
    assert templates.switched_off("acknowledgement", {**facts, "channel_name": "hotline"}) == \
        "горячая линия сообщает о приёме по телефону"
    assert templates.switched_off("acknowledgement", {**facts, "channel_name": "portal"}) is None
    assert templates.switched_off("acknowledgement", {**facts, "channel_name": "hotline", "regime": "incident"}) \
        is None


def test_a_variant_words_the_kind_for_the_appeals_it_matches_and_is_checked_like_the_text():
    templates = templates_from_document({"messages": {"forwarded": {
        "text": "Обращение №{appeal_id} направлено в {body_name} (ч. 3 ст. 8 59-ФЗ).", "subject": "Переадресация",
        "variants": [{"when": {"regime": ["incident", "other"]}, "text": "Обращение №{appeal_id} передано в "
                      "{body_name}."}]}}})
    fields = {"appeal_id": "7", "body_name": "ЕДДС"}

    assert templates.render("forwarded", fields, {"regime": "incident"}).text == "Обращение №7 передано в ЕДДС."
    assert templates.render("forwarded", fields, {"regime": "incident"}).subject == "Переадресация"
    assert templates.render("forwarded", fields, {"regime": "fz59"}).text.endswith("(ч. 3 ст. 8 59-ФЗ).")
    with pytest.raises(ReplyTemplateError) as refused:
        templates_from_document({"messages": {"forwarded": {"text": ACK, "variants": [
            {"when": {"regime": "incident"}, "text": "Передано: {new_body}"}]}}})
    assert "replies.yaml: forwarded: variants[0]: поле text: поле {new_body}: неизвестное поле шаблона" in \
        str(refused.value)
