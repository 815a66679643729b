"""durable-rules 2.0.28 for Python 3.13 and later: built from its PyPI source with one call replaced.

durable-rules is published as source only, and its C extension calls PyEval_CallObject, which
Python 3.13 removed. PyObject_CallObject takes the same arguments and makes the same call. On 3.13
and later this script downloads the release's source from PyPI, replaces the calls in
src/rulespy/rules.c (and stops when it finds another number of them than the five of 2.0.28:
another release needs another look), and installs the patched folder into the interpreter that
runs it. The patched source lives in a temporary folder only. On 3.11 and 3.12 it does nothing:
pip installs durable-rules as published.

Usage: .venv/bin/python tools/install_durable_rules.py   (`make venv` runs it before the project)
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

VERSION = "2.0.28"
SOURCE = Path("src/rulespy/rules.c")
REMOVED, REPLACEMENT, CALLS = "PyEval_CallObject(", "PyObject_CallObject(", 5


def main() -> int:
    if sys.version_info < (3, 13):
        return 0
    if installed():
        print(f"durable-rules {VERSION} is installed and imports")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        pip("download", "--no-binary", ":all:", "--no-deps", f"durable-rules=={VERSION}", "--dest", tmp)
        (archive,) = Path(tmp).glob("durable_rules-*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        folder = Path(tmp) / f"durable_rules-{VERSION}"
        replace_calls(folder / SOURCE)
        pip("install", str(folder))
    if not installed():
        print(f"durable-rules {VERSION} was built but does not import", file=sys.stderr)
        return 1
    print(f"durable-rules {VERSION} built from its source for Python {sys.version.split()[0]}")
    return 0


def replace_calls(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = text.count(REMOVED)
    if found != CALLS:
        raise SystemExit(f"{path.name}: {found} calls of {REMOVED[:-1]} where durable-rules {VERSION} has {CALLS}; "
                         "the replacement was written for that release alone")
    path.write_text(text.replace(REMOVED, REPLACEMENT), encoding="utf-8")


def installed() -> bool:
    try:
        if metadata.version("durable-rules") != VERSION:
            return False
    except metadata.PackageNotFoundError:
        return False
    return subprocess.run([sys.executable, "-c", "import durable.engine"], capture_output=True).returncode == 0


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet"], check=True)


if __name__ == "__main__":
    sys.exit(main())
