"""rules/README.md speaks Russian to policy staff and cannot drift from the code: its vocabulary
section is generated, every worked example is checked with the real parser and evaluator, and the
rule files speak Russian in their comments and case names."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from engine.rulebook import load_rulebook
from engine.rulebook.cases import deadlines, ladders, replies, routing
from engine.rulebook.first_match import ladder_selection
from engine.rulebook.outcomes import parse_outcomes
from engine.rulebook.parsing import ParseContext
from engine.rulebook.vocabulary import FACTS, OPERATORS, OUTCOMES
from engine.rulebook.vocabulary_doc import (
    BEGIN,
    END,
    LADDER_EXAMPLE,
    OPERATOR_EXAMPLES,
    OUTCOME_EXAMPLES,
    vocabulary_markdown,
    with_vocabulary,
)
from tests.support.paths import RULES_DIR
from webhooks.cli import main

README = RULES_DIR / "README.md"
CYRILLIC = re.compile("[А-Яа-яЁё]")


def test_the_committed_vocabulary_section_is_what_the_code_generates():
    text = README.read_text(encoding="utf-8")

    assert with_vocabulary(text) == text, "run: appeals rules vocabulary --markdown --write rules/README.md"


def test_the_section_names_every_fact_operator_and_outcome_with_a_russian_description():
    section = vocabulary_markdown()

    for name in [*FACTS, *OPERATORS, *OUTCOMES, "clock_kind", "ladder", "first", "priority", "collect"]:
        assert f"| `{name}` |" in section or f"`{name}`" in section, name
    for spec in [*FACTS.values(), *OPERATORS.values(), *OUTCOMES.values()]:
        assert CYRILLIC.search(spec.description), spec.name
    assert "### Действия правила (then)" in section


def test_a_missing_example_stops_the_generator(monkeypatch):
    from engine.rulebook import vocabulary_doc

    without_phrase = {k: v for k, v in OPERATOR_EXAMPLES.items() if k != "phrase"}
    monkeypatch.setattr(vocabulary_doc, "OPERATOR_EXAMPLES", without_phrase)
    with pytest.raises(ValueError, match="оператор phrase"):
        vocabulary_markdown()


@pytest.fixture(scope="module")
def example_rulebook(tmp_path_factory):
    """A rulebook whose signals stage has one rule per operator example, tagging what fired."""
    folder = tmp_path_factory.mktemp("examples")
    rules = [{"id": f"example-{name}", "description": "пример", "when": yaml.safe_load(ex.text),
              "then": {"add_tags": [f"example-{name}"]}} for name, ex in OPERATOR_EXAMPLES.items()]
    files = {
        "pipeline.yaml": {"stages": [{"name": "signals", "rulesets": ["examples"]},
                                     {"name": "route", "rulesets": ["fallback"]},
                                     {"name": "deadline", "rulesets": ["deadlines"]}]},
        "examples.yaml": {"ruleset": "examples", "hit_policy": "collect", "rules": rules},
        "fallback.yaml": {"ruleset": "fallback", "hit_policy": "first", "rules": [
            {"id": "fallback", "description": "всё остальное", "then": {"assign": {"body": "cur-triage"}}}]},
        "deadlines.yaml": {"ruleset": "deadlines", "hit_policy": "first", "rules": [
            {"id": "deadline", "description": "всё остальное", "then": {"deadline_policy": "fz59"}}]},
    }
    for name, doc in files.items():
        (folder / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_rulebook(folder, bodies={"cur-triage"}, roles={"executor"}, policies={"fz59"})


@pytest.mark.parametrize("name", list(OPERATOR_EXAMPLES))
def test_each_operator_example_fires_and_misses_as_the_readme_says(example_rulebook, name):
    example = OPERATOR_EXAMPLES[name]
    tag = f"example-{name}"

    assert tag in example_rulebook.decide(example.fires).tags
    assert tag not in example_rulebook.decide(example.misses).tags
    assert tag in example_rulebook.decide_reference(example.fires).tags


@pytest.mark.parametrize("name", list(OUTCOME_EXAMPLES))
def test_each_outcome_example_is_a_valid_then(policy_set, name):
    directory = policy_set.directory
    ctx = ParseContext("README.md", bodies=set(directory.bodies), roles=set(directory.roles),
                       policies=set(policy_set.policies), topics={"roads"}, officials=set(directory.officials))
    outcomes = parse_outcomes(ctx, yaml.safe_load(OUTCOME_EXAMPLES[name].text))

    assert outcomes != type(outcomes)()


def test_the_ladder_example_is_a_valid_then_of_a_selection_rule(policy_set):
    doc = {"rules": [{"id": "r", "description": "пример", "then": yaml.safe_load(LADDER_EXAMPLE.text)}]}
    rules = ladder_selection(doc, ladders={lad.id for lad in policy_set.ladders}, clock_kinds={"answer"},
                             policies=set(policy_set.policies), bodies=set(policy_set.directory.bodies))
    assert rules.outcome({"clock_kind": "answer"}) == "incident-urgent"


def test_the_readme_names_every_field_a_case_may_hold():
    text = README.read_text(encoding="utf-8").split(BEGIN)[0]

    for key in [*routing.EXPECT, *ladders.EXPECT, *deadlines.GIVEN, deadlines.PENDING, deadlines.ABSENT,
                *replies.GIVEN, *replies.EXPECT]:
        assert f"`{key}`" in text, key


def test_the_vocabulary_command_prints_or_writes_the_section(capsys, tmp_path):
    assert main(["rules", "vocabulary", "--markdown"]) == 0
    assert capsys.readouterr().out.strip() == vocabulary_markdown()

    stale = tmp_path / "README.md"
    shutil.copy(README, stale)
    text = stale.read_text(encoding="utf-8")
    stale.write_text(text.replace("| `has_any` |", "| `has_some` |"), encoding="utf-8")
    assert main(["rules", "vocabulary", "--markdown", "--write", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == text
    stale.write_text("# без разметки\n", encoding="utf-8")
    assert main(["rules", "vocabulary", "--markdown", "--write", str(stale)]) == 2
    assert END in capsys.readouterr().err


def comment_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        m = re.search(r"(?:^|\s)#(.*)$", line)
        if m:
            out.append(m.group(1).strip())
    return out


def relative(path) -> str:
    return path.relative_to(RULES_DIR).as_posix()


@pytest.mark.parametrize("path", sorted(RULES_DIR.rglob("*.yaml")), ids=relative)
def test_every_rule_file_comments_in_russian(path):
    english = [c for c in comment_lines(path.read_text(encoding="utf-8"))
               if not CYRILLIC.search(c) and len(re.findall(r"[A-Za-z]{2,}", c)) > 3]
    assert not english, english


@pytest.mark.parametrize("path", sorted(RULES_DIR.rglob("*_test.yaml")), ids=relative)
def test_every_case_is_named_in_russian(path):
    names = [c["name"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]
    assert names and all(CYRILLIC.search(n) for n in names), [n for n in names if not CYRILLIC.search(n)]
