"""One definition of each vocabulary (engine.domain.vocabulary): every status the code sets or tests is
in it, every status in it is set somewhere, and the rule language offers the same values."""

from __future__ import annotations

import ast
from pathlib import Path

from engine.domain import vocabulary
from engine.domain.vocabulary import (
    AUTHOR_TYPES,
    FINISHED_STATUSES,
    FZ59_SPECIALS,
    OPEN_STATUSES,
    PRIORITIES,
    REGIMES,
    STATUSES,
    UNFINISHED_STATUSES,
    URGENCIES,
)
from engine.rulebook.first_match import ladder_facts
from engine.rulebook.vocabulary import FACTS, OUTCOMES
from engine.services.actions import TRANSITIONS
from engine.wording.labels import STATUS_NAMES as STATUS_TITLES
from tests.support.paths import ROOT

APPEAL_NAMES = {"appeal", "record", "stored", "AppealRecord"}  # what the code calls an appeal it tests the status of


def sources() -> list[tuple[Path, ast.Module]]:
    paths = sorted((ROOT / "engine").rglob("*.py")) + sorted((ROOT / "webhooks").rglob("*.py"))
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in paths]


def strings(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def statuses_in_code() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(statuses the code sets, statuses it compares an appeal's status with) → where."""
    set_at: dict[str, list[str]] = {}
    tested_at: dict[str, list[str]] = {}
    for path, tree in sources():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                    "update_appeal", "insert_appeal"):
                for keyword in node.keywords:
                    if keyword.arg == "status":
                        for value in strings(keyword.value):
                            set_at.setdefault(value, []).append(where)
                    elif keyword.arg is None:  # **({"status": ...} if ... else {})
                        for item in ast.walk(keyword.value):
                            if isinstance(item, ast.Dict):
                                for key, value in zip(item.keys, item.values, strict=True):
                                    if isinstance(key, ast.Constant) and key.value == "status":
                                        for status in strings(value):
                                            set_at.setdefault(status, []).append(where)
            if isinstance(node, ast.Dict) and rel == "engine/store/appeals.py":  # the row an appeal is stored as
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "status":
                        for status in strings(value):
                            set_at.setdefault(status, []).append(where)
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "status" and isinstance(s.value, ast.Name)
                       and s.value.id in APPEAL_NAMES for s in sides):
                    for side in sides:
                        for status in strings(side):
                            tested_at.setdefault(status, []).append(where)
    return set_at, tested_at


def test_every_status_the_code_sets_or_tests_an_appeal_for_is_in_the_vocabulary_and_every_one_is_set():
    set_at, tested_at = statuses_in_code()
    for name, transition in TRANSITIONS.items():
        for status in transition.source:
            tested_at.setdefault(status, []).append(f"TRANSITIONS[{name!r}].source")
        if transition.target:
            set_at.setdefault(transition.target, []).append(f"TRANSITIONS[{name!r}].target")

    assert {"received", "routed", "answered"} <= set(set_at), "the scan must see the code's own writes"
    unknown = {status: where for status, where in {**tested_at, **set_at}.items() if status not in STATUSES}
    assert unknown == {}, f"statuses outside engine.domain.vocabulary.STATUSES: {unknown}"
    assert set(set_at) == set(STATUSES), f"statuses nothing sets: {set(STATUSES) - set(set_at)}"


def test_the_status_groups_split_the_statuses_and_each_has_a_title_for_people():
    assert set(OPEN_STATUSES) | set(FINISHED_STATUSES) | {vocabulary.RECEIVED} == set(STATUSES)
    assert not set(OPEN_STATUSES) & set(FINISHED_STATUSES)
    assert set(UNFINISHED_STATUSES) == set(STATUSES) - set(FINISHED_STATUSES)
    assert set(STATUS_TITLES) == set(STATUSES)


def test_the_rule_language_offers_exactly_the_domain_s_values():
    assert FACTS["regime"].values == REGIMES
    assert FACTS["author_type"].values == AUTHOR_TYPES
    assert FACTS["urgency"].values == URGENCIES
    assert FACTS["priority"].values == PRIORITIES
    ladder = ladder_facts(clock_kinds={"answer"}, policies={"fz59"}, bodies={"cur-triage"}, topics=None)
    assert (ladder["regime"].values, ladder["priority"].values, ladder["status"].values) == (
        REGIMES, PRIORITIES, STATUSES)
    assert all(special in OUTCOMES["fz59_special"].description for special in FZ59_SPECIALS)


def test_no_module_outside_the_domain_defines_these_vocabularies_again():
    names = {"STATUSES", "OPEN_STATUSES", "FINISHED_STATUSES", "CLOSED_STATUSES", "OPEN", "FINISHED", "REGIMES",
             "AUTHOR_TYPES", "URGENCIES", "PRIORITIES", "FZ59_SPECIALS", "SPECIAL_OUTCOMES", "MAX_TEXT"}
    defined = []
    for path, tree in sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "engine/domain/vocabulary.py":
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            defined += [f"{rel}: {t.id}" for t in targets if isinstance(t, ast.Name) and t.id in names]
    assert defined == []
