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
    assert "FACTS" in out and "OPERATORS" in out and "OUTCOMES" in out
    assert "municipality" in out and "has_any" in out and "deadline_policy" in out
    code, out, _ = run(capsys, "rules", "vocabulary", "--json")
    assert {"facts", "operators", "outcomes"} == set(json.loads(out))


def test_rules_test_reports_each_case_and_fails_on_a_broken_expectation(capsys, draft):
    code, out, _ = run(capsys, "rules", "test", draft)
    assert code == 0 and "cases passed, 0 failed" in out
    case_file = draft / "routing" / "roads_test.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace("body: min-roads}", "body: min-health}", 1),
                         encoding="utf-8")
    code, out, _ = run(capsys, "rules", "test", draft)
    assert code == 1
    assert "FAIL routing/roads_test.yaml" in out and "expected 'min-health'" in out


def test_rules_check_shows_coverage_and_refuses_a_shadowed_rule(capsys, draft):
    code, out, _ = run(capsys, "rules", "check", draft)
    assert code == 0 and "OK: the rules can be published" in out and "fall to route-fallback" in out
    roads = draft / "routing" / "roads.yaml"
    text = roads.read_text(encoding="utf-8")
    first, second = text.index("  - id: roads-pit-barnaul"), text.index("  - id: roads-region")
    roads.write_text(text[:first] + text[second:] + text[first:second], encoding="utf-8")  # general rule first
    code, out, _ = run(capsys, "rules", "check", draft)
    assert code == 1
    assert "rule roads-pit-barnaul never fires" in out and "routing/roads.yaml:" in out


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
    assert code == 2 and "already active" in err
