"""A rules folder as data: every YAML file by relative path, for storing versions and drafts."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

MAX_FILES = 500
MAX_FILE_BYTES = 2_000_000


_PART = re.compile(r"[^\W][\w.\-]*")  # a folder or file name: letters, digits, '_', '-', '.'; no leading dot


class SnapshotError(ValueError):
    """A draft cannot be taken as a rules folder (a bad path, too large, not text); ``field`` names
    the part of a draft that is wrong (``files`` or ``deleted``)."""

    def __init__(self, message: str, field: str = "files"):
        super().__init__(message)
        self.field = field


def check_name(rel) -> str:
    """``rel`` when it is the relative POSIX path of a .yaml file inside a rules folder: names of
    letters, digits, '_', '-' and '.', separated by '/'. Anything else (a backslash, '..', a NUL,
    a control character, a drive, an absolute path) is refused, never normalised into something else."""
    parts = rel.split("/") if isinstance(rel, str) and len(rel) <= 300 else []
    if not parts or not rel.endswith(".yaml") or not all(_PART.fullmatch(p) for p in parts):
        shown = repr(rel)[:120]
        raise SnapshotError(f"{shown}: expected a relative path of a .yaml file (letters, digits, '_', '-', "
                            "'.' and '/')")
    return rel


def read_tree(rules_dir: Path) -> dict[str, str]:
    """Every ``*.yaml`` file under rules_dir (relative POSIX path → text)."""
    root = Path(rules_dir)
    if not root.is_dir():
        raise SnapshotError(f"{root}: not a folder")
    files = {}
    for path in sorted(root.rglob("*.yaml")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return check_tree(files)


def check_tree(files: dict[str, str]) -> dict[str, str]:
    if not isinstance(files, dict) or not files:
        raise SnapshotError("a draft needs at least one file")
    if len(files) > MAX_FILES:
        raise SnapshotError(f"a draft has at most {MAX_FILES} files")
    for rel, text in files.items():
        check_name(rel)
        if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise SnapshotError(f"{rel}: expected text of at most {MAX_FILE_BYTES} bytes")
    return dict(sorted(files.items()))


def write_tree(files: dict[str, str], target: Path) -> Path:
    target = Path(target)
    for rel, text in check_tree(files).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


def tree_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(files.items()):
        digest.update(rel.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()
