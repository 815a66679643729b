"""YAML as the rules folder and reference files are read: by libyaml's safe loader where PyYAML was built
with it (the folder's 27 files in about 0.05 s instead of 0.45: every process and command loads them at
start), and, when a text does not parse, by the pure-Python safe loader again, so that the error staff
read is the one it gives (the line, the column and the lines around them). Both build the same values:
the same safe constructor and resolver, only the parser differs."""

from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # also for yaml.compose (engine.rulebook.locate)


def safe_load(source):
    """`yaml.safe_load` of a text, bytes or an open file."""
    if hasattr(source, "read"):
        source = source.read()
    try:
        return yaml.load(source, Loader=LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(source)  # raises again, with the pure-Python loader's message
