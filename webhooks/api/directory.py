"""GET /api/v1/directory/…: bodies, roles, officials (deputies, absences); YAML export and import."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from flask import Blueprint, Response, g, jsonify, request

from engine.domain.directory import Directory
from engine.policyset import PolicySetError, load_policy_set
from engine.store.appeals import audit
from engine.store.db import write_transaction

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("directory", __name__, url_prefix="/api/v1/directory")

READERS = ("official", "manager", "policy", "admin")
MAX_YAML = 2 * 1024 * 1024


def body_view(body) -> dict:
    return {"id": body.id, "name": body.name, "level": body.level, "sector": body.sector,
            "municipality": body.municipality, "parent": body.parent, "hours": body.hours,
            "timezone": runtime().policy.calendar_for(body.id).timezone,
            "working_hours": (runtime().policy.directory_doc.get("working_hours") or {}).get(body.hours)}


def official_view(official) -> dict:
    absences = [{"first": a.first.isoformat(), "last": a.last.isoformat(), "deputy": a.deputy}
                for a in getattr(official, "absences", ())]
    return {"id": official.id, "name": official.name,
            "positions": [{"role": p.role, "body": p.body, "sector": p.sector} for p in official.positions],
            "deputies": list(getattr(official, "deputies", ())), "absences": absences}


@bp.get("/bodies")
@require_role(*READERS)
def bodies():
    directory = runtime().policy.directory
    return jsonify({"items": [body_view(b) for b in directory.bodies.values()]})


@bp.get("/roles")
@require_role(*READERS)
def roles():
    directory = runtime().policy.directory
    return jsonify({"roles": directory.roles, "sectors": directory.sectors,
                    "municipalities": directory.municipalities})


@bp.get("/officials")
@require_role("manager", "policy", "admin")
def officials():
    """People with their positions, deputies and out-of-office periods (contacts are not shown)."""
    directory = runtime().policy.directory
    return jsonify({"items": [official_view(o) for o in directory.officials.values()]})


@bp.get("/export")
@require_role("policy", "admin")
def export_yaml():
    text = yaml.safe_dump(runtime().policy.directory_doc, allow_unicode=True, sort_keys=False)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": "attachment; filename=directory.yaml"})


@bp.post("/import")
@require_role("admin")
def import_yaml():
    """Check a directory YAML; with ?apply=true write it to the rules folder and reload the rules.

    The whole rules folder is reloaded with it, so a directory that leaves a rule naming a body
    that no longer exists is refused.
    """
    raw = request.get_data(cache=False)
    if len(raw) > MAX_YAML:
        raise ApiError(413, "too_large", "the directory file is too large")
    try:
        doc = yaml.safe_load(raw.decode("utf-8")) or {}
        if not isinstance(doc, dict):
            raise ValueError("the document must be a mapping")
        new = Directory.from_document(doc)
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ApiError(422, "invalid_directory", f"the directory is not valid: {exc}") from None
    rt = runtime()
    old = rt.policy.directory
    summary = {
        "bodies_added": sorted(set(new.bodies) - set(old.bodies)),
        "bodies_removed": sorted(set(old.bodies) - set(new.bodies)),
        "officials_added": sorted(set(new.officials) - set(old.officials)),
        "officials_removed": sorted(set(old.officials) - set(new.officials)),
        "applied": False,
    }
    if request.args.get("apply") != "true":
        return jsonify(summary)
    rules_dir = Path(rt.policy.rules_dir)
    with rt.lock:
        _swap_file(rules_dir / "directory.yaml", raw)
        try:
            policy = load_policy_set(rules_dir)
        except PolicySetError as exc:
            _swap_file(rules_dir / "directory.yaml", _dump(rt.policy.directory_doc))
            raise ApiError(422, "invalid_directory", f"the rules do not load with this directory: {exc}") from None
        rt.policy = policy
    now = rt.now()
    with write_transaction():
        audit(now, g.caller.actor, "directory.imported", None, origin=g.caller.origin,
              **{k: v for k, v in summary.items() if k != "applied"})
    summary["applied"] = True
    return jsonify(summary)


def _dump(doc: dict) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


def _swap_file(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".directory-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, path)
