"""The one case runner: routing, escalation and deadline-policy cases, and case files that belong to nothing.

The rules are the demo ones (one policy set per session); only the case files are copied and edited."""

from __future__ import annotations

import shutil

import pytest

from engine.rulebook.cases import list_cases, run_cases
from tests.support.paths import RULES_DIR


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def edit(folder, rel: str, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(folder, rel: str, text: str) -> None:
    (folder / rel).write_text(text, encoding="utf-8")


def test_the_demo_cases_of_all_three_kinds_pass(policy_set, folder):
    report = run_cases(policy_set, folder)

    assert report.ok, report.summary()
    files = {r.file for r in report.results}
    assert {"escalation_test.yaml", "deadline_policies_test.yaml", "routing/roads_test.yaml"} <= files
    assert report.totals() == f"{len(report.results)}/{len(report.results)} случаев пройдено, 0 не пройдено, " \
                              "ошибок в файлах случаев: 0"


def test_a_wrong_escalation_case_fails_with_its_file_name_and_the_difference(policy_set, folder):
    write(folder, "escalation_test.yaml", """cases:
  - name: ответ по 59-ФЗ — лестница ответа
    given: {clock_kind: answer, policy: fz59}
    expect: {rule: esc-answer, ladder: answer}
  - name: срочный инцидент — якобы обычная лестница
    given: {clock_kind: first_response, policy: incident-high, priority: high}
    expect: {rule: esc-incident, ladder: incident-response}
  - name: регистрация без лестницы — якобы лестница ответа
    given: {clock_kind: registration, policy: fz59}
    expect: {ladder: answer}
""")
    report = run_cases(policy_set, folder)

    assert not report.ok
    failed = {r.name: r.failures for r in report.failed}
    assert all(r.file == "escalation_test.yaml" for r in report.failed)
    assert failed["срочный инцидент — якобы обычная лестница"] == (
        "ladder: ожидалась лестница incident-response, получена incident-urgent (сработало правило "
        "esc-incident-urgent)",
        "rule: ожидалось правило esc-incident, сработало esc-incident-urgent")
    assert failed["регистрация без лестницы — якобы лестница ответа"] == (
        "ladder: ожидалась лестница answer, получена none (ни одно правило не подошло)",)
    assert "esc-incident" in report.uncovered_rules  # no case made it fire any more


@pytest.mark.parametrize(("given", "expect", "problem"), [
    ("{clock_kind: answer, colour: red}", "{ladder: answer}", "поле given.colour: неизвестный факт"),
    ("{clock_kind: anwser}", "{ladder: answer}", "поле given.clock_kind: 'anwser' не значение факта clock_kind"),
    ("{clock_kind: answer, fz59: 'да'}", "{ladder: answer}", "поле given.fz59: нужно значение типа bool"),
    ("{clock_kind: answer}", "{rule: esc-answer}", "поле expect.ladder: укажите лестницу"),
    ("{clock_kind: answer}", "{ladder: stairs}", "поле expect.ladder: неизвестная лестница 'stairs'"),
    ("{clock_kind: answer}", "{ladder: answer, rule: esc-nope}", "поле expect.rule: в escalation.yaml нет правила"),
    ("{clock_kind: answer}", "{ladder: answer, body: x}", "поле expect.body: неизвестное ожидание"),
])
def test_an_escalation_case_that_names_what_does_not_exist_is_an_error_of_the_case(policy_set, folder, given, expect,
                                                                                    problem):
    write(folder, "escalation_test.yaml", f"cases:\n  - name: случай\n    given: {given}\n    expect: {expect}\n")
    report = run_cases(policy_set, folder)

    assert [e for e in report.errors if e.startswith("escalation_test.yaml: случай: ")]
    assert problem in "\n".join(report.errors)
    assert not report.ok


def deadline_case(given: str, expect: str) -> str:
    return f"cases:\n  - name: срок\n    given: {given}\n    expect: {expect}\n"


def test_a_wrong_deadline_case_names_the_clock_and_both_due_times(policy_set, folder):
    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul", body: min-roads}',
        '{registration: "Mon 2026-05-04 23:59", forward: "Thu 2026-05-07 23:59", answer: "Sat 2026-05-30 23:59"}'))
    report = run_cases(policy_set, folder)

    (result,) = report.failed
    assert (result.file, result.name) == ("deadline_policies_test.yaml", "срок")
    assert result.failures == ("answer: ожидалось Sat 2026-05-30 23:59, получено Mon 2026-06-01 23:59:59",)
    assert set(report.uncovered_policies) == {"fz59-migration", "pos-message", "incident", "incident-high"}


def test_a_due_time_with_seconds_is_compared_to_the_second(policy_set, folder):
    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: pos-message, start: "Mon 2026-01-12 09:00 Asia/Barnaul"}',
        '{answer: "Wed 2026-02-11 23:59:00"}'))
    (result,) = run_cases(policy_set, folder).failed
    assert result.failures == ("answer: ожидалось Wed 2026-02-11 23:59:00, получено Wed 2026-02-11 23:59:59",)

    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: pos-message, start: "Mon 2026-01-12 09:00 Asia/Barnaul"}',
        '{answer: "Wed 2026-02-11 23:59:59"}'))
    assert not run_cases(policy_set, folder).failed


def test_a_clock_the_case_leaves_out_or_denies_is_a_difference(policy_set, folder):
    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: fz59, start: "Mon 2026-03-02 10:00 Asia/Barnaul", special: unreadable}',
        '{registration: "Thu 2026-03-05 23:59", forward: "Tue 2026-03-10 23:59", answer: none}'))
    (result,) = run_cases(policy_set, folder).failed

    assert result.failures == ("notice: часы не указаны в expect, получено Tue 2026-03-10 23:59:59",
                               "answer: ожидалось none, получено Wed 2026-04-01 23:59:59")


def test_a_final_answer_waits_for_the_interim_one_until_the_case_gives_it(policy_set, folder):
    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: incident, start: "Thu 2026-04-30 17:30 Asia/Barnaul", body: min-roads}',
        '{first_response: "Tue 2026-05-05 10:00", final_answer: "Fri 2026-05-15 18:00"}'))
    (result,) = run_cases(policy_set, folder).failed
    assert result.failures == ("final_answer: ожидалось Fri 2026-05-15 18:00, получено pending",)

    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: incident, start: "Thu 2026-04-30 17:30 Asia/Barnaul", body: min-roads, '
        'interim: "Tue 2026-05-05 09:30 Asia/Barnaul"}',
        '{first_response: "Tue 2026-05-05 10:00", final_answer: "Fri 2026-05-15 18:00"}'))
    # working days after 5 May: 6, 7, 8 (shortened), 12, 13, 14, 15 May (11 May is a transferred holiday)
    assert run_cases(policy_set, folder).failed == []


@pytest.mark.parametrize(("given", "expect", "problem"), [
    ('{policy: fz59, start: "Fri 2026-04-30 17:30 Asia/Barnaul"}', '{answer: "Mon 2026-06-01 23:59"}',
     "поле given.start: 2026-04-30 — четверг (Thu), а не Fri"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul"}', '{answer: "Tue 2026-06-01 23:59"}',
     "поле expect.answer: 2026-06-01 — понедельник (Mon), а не Tue"),
    ('{policy: fz59, start: "Чт 2026-04-30 17:30 Asia/Barnaul"}', '{answer: "Mon 2026-06-01 23:59"}',
     "поле given.start: 'Чт' — не день недели"),
    ('{policy: fz59, start: "2026-04-30 17:30 Asia/Barnaul"}', '{answer: "Mon 2026-06-01 23:59"}',
     "поле given.start: нужно «Thu 2026-04-30 17:30 Asia/Barnaul»"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30"}', '{answer: "Mon 2026-06-01 23:59"}',
     "поле given.start: нужно «Thu 2026-04-30 17:30 Asia/Barnaul»"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Nowhere"}', '{answer: "Mon 2026-06-01 23:59"}',
     "неизвестный часовой пояс 'Asia/Nowhere'"),
    ('{policy: fz59, start: "Thu 2026-04-31 17:30 Asia/Barnaul"}', '{answer: "Mon 2026-06-01 23:59"}',
     "нет такой даты или времени"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul"}', '{answer: "Mon 2026-06-01 23:59 Asia/Barnaul"}',
     "поле expect.answer: нужно «Mon 2026-06-01 23:59»"),
    ('{policy: fz60, start: "Thu 2026-04-30 17:30 Asia/Barnaul"}', '{answer: none}', "поле given.policy"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul", body: nowhere}', '{answer: none}',
     "в справочнике нет органа 'nowhere'"),
    ('{policy: pos-message, start: "Thu 2026-04-30 17:30 Asia/Barnaul", special: anonymous}', '{answer: none}',
     "у политики pos-message нет особого случая 'anonymous'"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul", extend: -1}', '{answer: none}',
     "поле given.extend"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul", colour: red}', '{answer: none}',
     "поле given.colour: неизвестное поле"),
    ('{policy: fz59, start: "Thu 2026-04-30 17:30 Asia/Barnaul"}', '{reply: none}',
     "поле expect.reply: неизвестный вид часов"),
])
def test_a_deadline_case_with_a_wrong_literal_or_name_is_an_error_of_the_case(policy_set, folder, given, expect,
                                                                              problem):
    write(folder, "deadline_policies_test.yaml", deadline_case(given, expect))
    report = run_cases(policy_set, folder)

    assert not report.ok and not [r for r in report.results if r.file == "deadline_policies_test.yaml"]
    assert any(e.startswith("deadline_policies_test.yaml: срок: ") and problem in e for e in report.errors), \
        report.errors


def test_an_extension_beyond_the_policy_limit_fails_the_case_with_the_reason(policy_set, folder):
    write(folder, "deadline_policies_test.yaml", deadline_case(
        '{policy: fz59, start: "Tue 2026-12-01 10:00 Asia/Barnaul", extend: 31}', '{answer: none}'))
    (result,) = run_cases(policy_set, folder).failed

    assert result.failures == ("сроки не считаются: политика сроков fz59 допускает продление не более чем на 30 дн.",)


def test_a_case_file_that_belongs_to_no_rule_file_is_an_error(policy_set, folder):
    write(folder, "routing/parking_test.yaml", deadline_case("{}", "{body: min-roads}"))
    write(folder, "calendar/ru-2026_test.yaml", "cases: []\n")
    report = run_cases(policy_set, folder)

    assert not report.ok
    assert ("routing/parking_test.yaml: файл случаев ни к чему не относится: routing/parking.yaml — не набор "
            "правил из pipeline.yaml, не escalation.yaml, не deadline_policies.yaml, не replies.yaml "
            "и не incidents.yaml") in report.errors
    assert any(e.startswith("calendar/ru-2026_test.yaml: ") for e in report.errors)


@pytest.mark.parametrize(("rel", "owner"), [
    ("escalation_test.yaml", "правил выбора лестницы эскалации (escalation.yaml)"),
    ("deadline_policies_test.yaml", "политик сроков (deadline_policies.yaml)"),
    ("routing/roads_test.yaml", "набора правил routing/roads"),
])
def test_a_rule_file_without_its_case_file_is_an_error(policy_set, folder, rel, owner):
    (folder / rel).unlink()
    report = run_cases(policy_set, folder)

    assert f"{rel}: нет файла случаев для {owner}" in report.errors
    assert not report.ok


@pytest.mark.parametrize(("text", "error"), [
    ("cases: []\n", "поле cases: нужен непустой список случаев"),
    ("cases: [\n", "файл не читается"),
    ("owner: x\ncases:\n  - {name: a, given: {clock_kind: answer}, expect: {ladder: answer}}\n", "поле owner"),
    ("cases:\n  - {name: a, given: {clock_kind: answer}, expect: {ladder: answer}, why: x}\n", "cases[0]"),
    ("cases:\n  - {name: a, given: {clock_kind: answer}, expect: {ladder: answer}}\n"
     "  - {name: a, given: {clock_kind: forward}, expect: {ladder: answer}}\n", "a: имя случая повторяется"),
    ("cases:\n  - {name: a, given: [clock_kind], expect: {ladder: answer}}\n", "a: поле given: нужен словарь"),
    ("cases:\n  - {name: a, given: {clock_kind: answer}, expect: {}}\n", "a: поле expect: нужен непустой словарь"),
])
def test_a_broken_case_file_is_an_error_naming_the_file(policy_set, folder, text, error):
    write(folder, "escalation_test.yaml", text)
    report = run_cases(policy_set, folder)

    assert any(e.startswith("escalation_test.yaml: ") and error in e for e in report.errors), report.errors
    assert not report.ok


def test_listing_the_cases_reads_the_files_only(folder):
    write(folder, "escalation_test.yaml", "cases:\n  - {name: один, given: {}, expect: {ladder: none}}\n"
                                          "  - {given: {}, expect: {ladder: none}}\n")
    listed = list_cases(folder)

    assert ("escalation_test.yaml", "один") in listed and ("escalation_test.yaml", "случай 2") in listed
    assert ("routing/roads_test.yaml", "яма на улице Барнаула — городской комитет") in listed
