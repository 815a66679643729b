"""The README documents what the code does: every APPEALS_* variable, with its default."""

from __future__ import annotations

import re

from engine.config import VARIABLES
from tests.support.paths import ROOT


def configuration_table() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(APPEALS_[A-Z_]+)` \| (.+?) \|", section, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_the_readme_configuration_table_lists_exactly_the_variables_the_code_reads():
    assert set(configuration_table()) == set(VARIABLES)


def test_the_readme_gives_each_variable_the_default_the_code_uses():
    documented = configuration_table()
    for name, (default, _) in VARIABLES.items():
        assert documented[name] == (f"`{default}`" if default else "(empty)"), name


def test_the_code_reads_no_appeals_variable_the_readme_does_not_document():
    used = set()
    for path in list((ROOT / "engine").rglob("*.py")) + list((ROOT / "webhooks").rglob("*.py")):
        used |= set(re.findall(r"\"(APPEALS_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    assert used <= set(configuration_table())
