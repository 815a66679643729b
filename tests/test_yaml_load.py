"""The rules folder is read by libyaml where PyYAML has it: the same values as the pure-Python safe loader
for every file we ship, and on a broken text the pure-Python loader's own message (line and snippet)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from engine import yaml_load

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "rules").rglob("*.yaml"))


def test_libyaml_is_what_reads_the_files_here():
    assert yaml.__with_libyaml__ and yaml_load.LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_reads_as_the_pure_python_loader_reads_it(path):
    text = path.read_text(encoding="utf-8")
    expected = yaml.safe_load(text)
    assert yaml_load.safe_load(text) == expected
    assert yaml_load.safe_load(path.read_bytes()) == expected
    with path.open(encoding="utf-8") as fh:
        assert yaml_load.safe_load(fh) == expected


def test_values_that_resolvers_decide_come_out_alike():
    text = "a: 2026-12-07\nb: 07:30\nc: yes\nd: ~\ne: 1_000\nf: 0o17\ng: .inf\nh: '012'\ni: 2026-12-07T10:00:00+07:00\n"
    assert yaml_load.safe_load(text) == yaml.safe_load(text)


def test_a_broken_text_fails_with_the_pure_python_loaders_message():
    broken = "rules:\n  - id: a\n    when: [unclosed\n  - id: b\n"
    with pytest.raises(yaml.YAMLError) as ours:
        yaml_load.safe_load(io.StringIO(broken))
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load(broken)
    assert str(ours.value) == str(theirs.value)
    assert "line 4" in str(ours.value) and "^" in str(ours.value)  # where, with the snippet libyaml lacks


def test_python_objects_are_refused_as_by_the_safe_loader():
    with pytest.raises(yaml.YAMLError):
        yaml_load.safe_load("!!python/object/apply:os.system ['true']")
