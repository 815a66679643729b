"""The documentation says what the code does: every APPEALS_* variable with its default, every
`appeals` command, every HTTP route; the README stays short and its links lead somewhere."""

from __future__ import annotations

import argparse
import re

from engine.config import VARIABLES
from tests.support.paths import ROOT

DOCS = ROOT / "docs"


def configuration_table() -> dict[str, str]:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(APPEALS_[A-Z_]+)` \| (.+?) \|", text, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_the_configuration_table_lists_exactly_the_variables_the_code_reads():
    assert set(configuration_table()) == set(VARIABLES)


def test_the_configuration_table_gives_each_variable_the_default_the_code_uses():
    documented = configuration_table()
    for name, (default, _) in VARIABLES.items():
        assert documented[name] == (f"`{default}`" if default else "(empty)"), name


def test_the_code_reads_no_appeals_variable_the_documentation_does_not_list():
    used = set()
    for path in list((ROOT / "engine").rglob("*.py")) + list((ROOT / "webhooks").rglob("*.py")):
        used |= set(re.findall(r"\"(APPEALS_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    assert used <= set(configuration_table())


def commands() -> set[str]:
    """Every `appeals …` command and subcommand the parser knows, as a user types it."""
    from webhooks.cli import build_parser

    found = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found.add(prefix)
            return
        for name, child in subs[0].choices.items():
            walk(child, f"{prefix} {name}")

    walk(build_parser(), "appeals")
    return found


def listed(path, heading: str, pattern: str) -> set:
    text = path.read_text(encoding="utf-8").split(heading, 1)[1]
    return set(re.findall(pattern, text, flags=re.M))


def test_the_cli_reference_lists_exactly_the_commands_the_parser_knows():
    assert listed(DOCS / "cli.md", "## Every command", r"^- `(appeals[^`]*)`$") == commands()


def test_the_http_reference_lists_exactly_the_routes_the_application_answers(app):
    answered = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert listed(DOCS / "http.md", "## Every route", r"^\| ([A-Z]+) \| `([^`]+)` \|$") == answered


def test_the_readme_stays_short_and_its_links_lead_to_files():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 160
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (ROOT / target).is_file(), target
    assert text.index("make run") < text.index("## Follow an appeal")
