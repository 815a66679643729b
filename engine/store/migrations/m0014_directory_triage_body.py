"""The directory names its triage desk (``triage_body``, required since this migration): stored rules
versions and simulation drafts whose ``directory.yaml`` has the body ``cur-triage`` and names no triage
desk get ``triage_body: cur-triage``, the body the code took for the triage desk until then, so an old
version still loads, rolls back and decides as it did. A directory without that body is left as it is
(it cannot load until it names its triage desk) and reported in the log. ``files_hash`` is recomputed
the way ``engine.rulebook.snapshot.tree_hash`` computes it (as it was when this migration was written)."""

import hashlib
import json
import logging

import yaml

log = logging.getLogger(__name__)

FILE = "directory.yaml"
TRIAGE = "cur-triage"
LINE = f"triage_body: {TRIAGE}\n"


def _hash(files: dict) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(files.items()):
        digest.update(rel.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def with_triage_body(text: str) -> str | None:
    """The directory text naming its triage desk: as it is when it names one already (or is no
    directory), with the line appended when it has the body; None when it has no such body."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if not isinstance(doc, dict) or "triage_body" in doc:
        return text
    if not any(isinstance(b, dict) and b.get("id") == TRIAGE for b in doc.get("bodies") or []):
        return None
    changed = text + ("\n" if text and not text.endswith("\n") else "") + LINE
    try:
        return changed if yaml.safe_load(changed) == {**doc, "triage_body": TRIAGE} else None
    except yaml.YAMLError:
        return None


def apply(db) -> None:
    tables = set(db.get_tables())
    for table in ("rule_version_record", "simulation_record"):
        if table not in tables:
            continue
        for row_id, raw in db.execute_sql(f"SELECT id, files FROM {table}").fetchall():
            files = json.loads(raw) if isinstance(raw, str) else (raw or {})
            if FILE not in files:
                continue
            changed = with_triage_body(files[FILE])
            if changed is None:
                log.warning("%s %s: %s names no triage_body and has no body %s; publish it again with one",
                            table, row_id, FILE, TRIAGE)
            if changed is None or changed == files[FILE]:
                continue
            files = {**files, FILE: changed}
            db.execute_sql(f"UPDATE {table} SET files = %s, files_hash = %s WHERE id = %s".replace("%s", db.param),
                           (json.dumps(files, ensure_ascii=False, sort_keys=True), _hash(files), row_id))
