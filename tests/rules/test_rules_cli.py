"""`appeals rules …` as policy staff use it: vocabulary, test, check, publish, history, rollback, export."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.rulebook.snapshot import read_tree
from tests.support.paths import RULES_DIR
from webhooks.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err




@pytest.fixture
def draft(tmp_path):
    folder = tmp_path / "draft"
    shutil.copytree(RULES_DIR, folder)
    return folder


def test_the_vocabulary_prints_facts_operators_and_outcomes_as_tables(capsys):
    code, out, _ = run(capsys, "rules", "vocabulary")
    assert code == 0
    assert "ФАКТЫ (when)" in out and "ОПЕРАТОРЫ (op)" in out and "ДЕЙСТВИЯ ПРАВИЛА (then)" in out
    assert "municipality" in out and "has_any" in out and "deadline_policy" in out
    code, out, _ = run(capsys, "rules", "vocabulary", "--json")
    assert {"facts", "operators", "outcomes"} == set(json.loads(out))


def test_rules_test_reports_each_case_and_fails_on_a_broken_expectation(capsys, draft):
    code, out, _ = run(capsys, "rules", "test", draft)
    assert code == 0 and "случаев пройдено, 0 не пройдено, ошибок в файлах случаев: 0" in out
    case_file = draft / "routing" / "roads_test.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace("body: min-roads}", "body: min-health}", 1),
                         encoding="utf-8")
    code, out, _ = run(capsys, "rules", "test", draft)
    assert code == 1
    assert "СБОЙ routing/roads_test.yaml" in out and "body: ожидалось 'min-health', получено 'min-roads'" in out


WRONG_ESCALATION = ("expect: {rule: esc-answer, ladder: answer}", "expect: {rule: esc-answer, ladder: incident-urgent}")
WRONG_DEADLINE = ('answer: "Mon 2026-06-01 23:59"', 'answer: "Mon 2026-06-08 23:59"')


def wrong(draft, rel: str, change: tuple[str, str]) -> None:
    path = draft / rel
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(*change, 1), encoding="utf-8")


def test_rules_test_runs_escalation_and_deadline_cases_too(capsys, draft):
    wrong(draft, "escalation_test.yaml", WRONG_ESCALATION)
    wrong(draft, "deadline_policies_test.yaml", WRONG_DEADLINE)
    code, out, _ = run(capsys, "rules", "test", draft)

    assert code == 1
    assert "СБОЙ escalation_test.yaml: ответ по 59-ФЗ идёт по лестнице ответа при любом приоритете\n" \
           "       ladder: ожидалась лестница incident-urgent, получена answer" in out
    assert "СБОЙ deadline_policies_test.yaml: 59-ФЗ, поступило перед майскими праздниками" in out
    assert "answer: ожидалось Mon 2026-06-08 23:59, получено Mon 2026-06-01 23:59:59" in out
    assert "2 не пройдено, ошибок в файлах случаев: 0" in out


@pytest.mark.parametrize(("rel", "change", "difference"), [
    ("escalation_test.yaml", WRONG_ESCALATION, "ladder: ожидалась лестница incident-urgent, получена answer"),
    ("deadline_policies_test.yaml", WRONG_DEADLINE, "answer: ожидалось Mon 2026-06-08 23:59"),
])
def test_rules_check_fails_on_a_wrong_escalation_or_deadline_case(capsys, draft, rel, change, difference):
    wrong(draft, rel, change)
    code, out, _ = run(capsys, "rules", "check", draft)

    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith(f"СБОЙ    случай {rel}: ")]
    assert len(failed) == 1 and difference in failed[0]
    assert out.rstrip().endswith("НЕ ОК: исправьте ошибки выше, иначе правила не опубликовать")
    code, out, _ = run(capsys, "rules", "check", draft, "--json")
    cases = json.loads(out)["cases"]
    assert code == 1 and [c["file"] for c in cases["failed"]] == [rel]
    assert set(cases) == {"passed", "failed", "file_errors", "rules_without_cases", "policies_without_cases"}


def test_rules_check_refuses_a_case_file_that_belongs_to_nothing(capsys, draft):
    (draft / "routing" / "parking_test.yaml").write_text("cases:\n  - {name: a, given: {}, expect: {body: x}}\n",
                                                          encoding="utf-8")
    code, out, _ = run(capsys, "rules", "check", draft)

    assert code == 1 and "ОШИБКА  routing/parking_test.yaml: файл случаев ни к чему не относится" in out


def test_the_deadline_cases_agree_with_the_deadline_command(cli_env, capsys):
    """`appeals deadline` and the deadline-policy cases count the same way (a case with an interim
    answer and one with an extension)."""
    code, out, _ = run(capsys, "deadline", "--policy", "incident", "--start", "2026-06-10T16:00:00+07:00",
                       "--body", "barnaul-roads-committee", "--interim", "2026-06-11T15:00:00+07:00", "--json")
    dues = {c["kind"]: c["due"] for c in json.loads(out)["clocks"]}
    assert code == 0 and dues == {"first_response": "2026-06-15T09:00:00+07:00",
                                  "final_answer": "2026-06-23T17:00:00+07:00"}
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-12-01T10:00:00+07:00",
                       "--extend", "30", "--json")
    dues = {c["kind"]: c["due"] for c in json.loads(out)["clocks"]}
    assert code == 0 and dues["answer"] == "2027-02-01T23:59:59+07:00"
    cases = (RULES_DIR / "deadline_policies_test.yaml").read_text(encoding="utf-8")
    assert 'final_answer: "Tue 2026-06-23 17:00"' in cases and 'answer: "Mon 2027-02-01 23:59"' in cases


def test_rules_check_shows_coverage_and_refuses_a_shadowed_rule(capsys, draft):
    code, out, _ = run(capsys, "rules", "check", draft)
    assert code == 0 and "ОК: правила можно публиковать" in out and "уходят в route-fallback" in out
    roads = draft / "routing" / "roads.yaml"
    text = roads.read_text(encoding="utf-8")
    first, second = text.index("  - id: roads-pit-barnaul"), text.index("  - id: roads-region")
    roads.write_text(text[:first] + text[second:] + text[first:second], encoding="utf-8")  # general rule first
    code, out, _ = run(capsys, "rules", "check", draft)
    assert code == 1
    assert "правило roads-pit-barnaul никогда не срабатывает" in out and "routing/roads.yaml:" in out


def test_publish_history_rollback_and_export_from_the_command_line(cli_env, capsys, draft, tmp_path):
    code, out, err = run(capsys, "rules", "publish", RULES_DIR, "--comment", "исходная", "--author", "анна")
    assert code == 0, err
    fallback = draft / "routing" / "fallback.yaml"
    fallback.write_text(fallback.read_text(encoding="utf-8").replace("Ответственный не определён",
                                                                      "Ответственный пока не определён"),
                        encoding="utf-8")
    assert run(capsys, "rules", "publish", draft, "--comment", "уточнили описание")[0] == 0
    code, out, _ = run(capsys, "rules", "diff", 1, 2)
    assert json.loads(out)["changed"][0]["rule"] == "route-fallback"
    assert run(capsys, "rules", "rollback", 1, "--reason", "вернуть как было")[0] == 0
    code, out, _ = run(capsys, "rules", "history")
    assert out.splitlines()[0].split()[1:4] == ["rollback", "version", "1"]
    assert "cli:анна: исходная" in out
    code, out, _ = run(capsys, "rules", "export", tmp_path / "exported")
    assert code == 0 and read_tree(tmp_path / "exported") == read_tree(RULES_DIR)
    code, _, err = run(capsys, "rules", "rollback", 1, "--reason", "ещё раз")
    assert code == 2 and "уже действует" in err


def broken_map(folder) -> str:
    """Break the folder's map: a centre moved out of the region (Novosibirsk). The message it must give."""
    path = folder / "map" / "altai-krai.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    centre = next(f for f in doc["features"]
                  if (f["properties"]["kind"], f["properties"].get("id")) == ("centre", "barnaul"))
    centre["geometry"]["coordinates"] = [82.92, 55.03]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return "map/altai-krai.geojson: центр barnaul лежит вне контура края"


def test_rules_check_and_publish_refuse_a_folder_whose_map_is_broken(cli_env, capsys, draft):
    message = broken_map(draft)

    code, out, _ = run(capsys, "rules", "check", draft)
    assert code == 1 and message in out
    assert out.rstrip().endswith("НЕ ОК: исправьте ошибки выше, иначе правила не опубликовать")
    code, _, err = run(capsys, "rules", "publish", draft, "--comment", "новая карта")
    assert code != 0 and message in err
    assert run(capsys, "rules", "history")[1].count("новая карта") == 0
