"""Stored rules versions take the new names of two data files: ``topics.yaml`` (the topic lexicon)
is ``lexicon.yaml`` and ``deadlines.yaml`` (the deadline policies) is ``deadline_policies.yaml``, so
that no file at the top of the folder shares a name with a routing rule file below it. Each
version's ``files_hash`` is recomputed the way ``engine.rulebook.snapshot.tree_hash`` computes it
(as it was when this migration was written)."""

import hashlib
import json

RENAMED = {"topics.yaml": "lexicon.yaml", "deadlines.yaml": "deadline_policies.yaml"}


def _hash(files: dict) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(files.items()):
        digest.update(rel.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def apply(db) -> None:
    tables = set(db.get_tables())
    for table in ("rule_version_record", "simulation_record"):
        if table not in tables:
            continue
        for row_id, raw in db.execute_sql(f"SELECT id, files FROM {table}").fetchall():
            files = json.loads(raw) if raw else {}
            if not any(old in files for old in RENAMED):
                continue
            renamed = {RENAMED.get(rel, rel): text for rel, text in files.items()}
            db.execute_sql(f"UPDATE {table} SET files = %s, files_hash = %s WHERE id = %s".replace("%s", db.param),
                           (json.dumps(renamed, ensure_ascii=False, sort_keys=True), _hash(renamed), row_id))
