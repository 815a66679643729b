"""GET /api/v1/directory/…: bodies, roles, officials (deputies, absences); YAML export, and import as a
new rules version."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Blueprint, Response, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.domain.directory import CHANNELS, Directory
from engine.policyset.calendars import load_working_hours
from engine.rulebook.snapshot import SnapshotError
from engine.services.rules import versions
from engine.yaml_load import safe_load

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime
from .rules import refusal_response

bp = Blueprint("directory", __name__, url_prefix="/api/v1/directory")

READERS = ("official", "manager", "policy", "admin", "curator")
MAX_YAML = 2 * 1024 * 1024


def body_view(body) -> dict:
    return {"id": body.id, "name": body.name, "level": body.level, "sector": body.sector,
            "municipality": body.municipality, "parent": body.parent, "hours": body.hours,
            "timezone": runtime().policy_set.calendar_for(body.id).timezone,
            "working_hours": (runtime().policy_set.directory_doc.get("working_hours") or {}).get(body.hours)}


def official_view(official) -> dict:
    absences = [{"first": a.first.isoformat(), "last": a.last.isoformat(), "deputy": a.deputy}
                for a in getattr(official, "absences", ())]
    return {"id": official.id, "name": official.name,
            "positions": [{"role": p.role, "body": p.body, "sector": p.sector} for p in official.positions],
            "deputies": list(getattr(official, "deputies", ())), "absences": absences}


@bp.get("/bodies")
@require_role(*READERS)
def bodies():
    directory = runtime().policy_set.directory
    return jsonify({"items": [body_view(b) for b in directory.bodies.values()]})


@bp.get("/roles")
@require_role(*READERS)
def roles():
    directory = runtime().policy_set.directory
    return jsonify({"roles": directory.roles, "sectors": directory.sectors,
                    "municipalities": directory.municipalities})


@bp.get("/officials")
@require_role("manager", "policy", "admin")
def officials():
    """People with their positions, deputies and out-of-office periods (contacts are not shown)."""
    directory = runtime().policy_set.directory
    return jsonify({"items": [official_view(o) for o in directory.officials.values()]})


@bp.get("/export")
@require_role("policy", "admin")
def export_yaml():
    text = yaml.safe_dump(runtime().policy_set.directory_doc, allow_unicode=True, sort_keys=False)
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": "attachment; filename=directory.yaml"})


class DirectoryImportQuerySchema(Schema):
    apply = fields.String(validate=validate.OneOf(("true", "false")),
                          metadata={"description": "true публикует справочник новой версией правил"})
    comment = fields.String(validate=validate.Length(max=2000),
                            metadata={"description": "что меняется и почему; обязателен при apply=true"})


@bp.post("/import")
@require_role("admin")
def import_yaml():
    """Check a directory YAML; with ?apply=true&comment=… publish it as a new rules version.

    The version is the active rules with this directory in place of theirs, published like any
    other: refused unless the check and every test case pass (so a rule naming a body that is gone
    is refused), audited with who, why and from where, picked up by every process within seconds,
    undone by a rules rollback. The rules folder on disk is never written.
    """
    raw = request.get_data(cache=False)
    if len(raw) > MAX_YAML:
        raise ApiError(413, "too_large", "the directory file is too large")
    try:
        text = raw.decode("utf-8")
        doc = safe_load(text) or {}
        if not isinstance(doc, dict):
            raise ValueError("the document must be a mapping")
        new = Directory.from_document(doc)
        load_working_hours(doc)  # the schedules too: a check that passes here passes at publish
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        # AttributeError: a list or a scalar where the directory has a mapping (officials: [true])
        raise ApiError(422, "invalid_directory", f"the directory is not valid: {exc}") from None
    except RecursionError:
        raise ApiError(422, "invalid_directory", "the directory is not valid: nested too deeply") from None
    rt = runtime()
    old = rt.policy_set.directory
    changes = {
        "bodies_added": sorted(set(new.bodies) - set(old.bodies)),
        "bodies_removed": sorted(set(old.bodies) - set(new.bodies)),
        "officials_added": sorted(set(new.officials) - set(old.officials)),
        "officials_removed": sorted(set(old.officials) - set(new.officials)),
    }
    if request.args.get("apply") != "true":
        return jsonify({**changes, "applied": False})
    comment = (request.args.get("comment") or "").strip()
    if not comment:
        raise ApiError(422, "invalid_fields", "say what changes and why: a comment is required to apply",
                       {"comment": ["required with apply=true"]})
    try:
        version, _ = versions.publish_directory(text, fallback_dir=Path(rt.policy_set.rules_dir), actor=g.caller.actor,
                                             comment=comment, now=rt.now(), changes=changes,
                                             origin=g.caller.origin, folder=rt.policy_set)
    except SnapshotError as exc:
        raise ApiError(422, "invalid_directory", str(exc), {"directory": [str(exc)]}) from None
    except versions.RulesRefused as exc:
        return refusal_response(exc)
    rt.policy_source.refresh()
    return jsonify({**changes, "applied": True, "version": version})


import_yaml.query_schema = DirectoryImportQuerySchema


_NAMES = {"type": "object", "additionalProperties": {"type": "string"}}
_STRINGS = {"type": "array", "items": {"type": "string"}}
DIRECTORY_DOCUMENT = {
    "type": "object",
    "description": "Справочник целиком, как rules/directory.yaml и как его отдаёт GET /api/v1/directory/export",
    "properties": {
        "region": {"type": "string"},
        "timezone": {"type": "string", "description": "часовой пояс IANA по умолчанию для органов"},
        "working_hours": {"type": "object", "description": "именованные графики работы",
                          "additionalProperties": {"type": "object", "properties": {
                              "windows": {"type": "array", "description": "окна местного времени, пн–пт",
                                          "items": {"type": "array", "items": {"type": "string"},
                                                    "minItems": 2, "maxItems": 2}},
                              "weekends": {"type": "boolean"}, "shortened_by_minutes": {"type": "integer"},
                              "description": {"type": "string"}}}},
        "alert_hours": {"type": "string", "description": "график тихих часов оповещений по умолчанию"},
        "triage_body": {"type": "string", "description": "id органа, сортирующего обращения (сортировка ЦУР); "
                                                          "обязательно, из bodies"},
        "roles": {**_NAMES, "description": "id роли → название"},
        "sectors": {**_NAMES, "description": "id отраслевого блока → название"},
        "municipalities": {**_NAMES, "description": "id муниципального образования → название"},
        "bodies": {"type": "array", "items": {"type": "object", "required": ["id", "name", "hours"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "string", "default": "regional"}, "sector": {"type": "string", "default": "other"},
            "hours": {"type": "string", "description": "график из working_hours"},
            "municipality": {"type": "string"}, "parent": {"type": "string", "description": "id вышестоящего органа"},
            "timezone": {"type": "string"}}}},
        "officials": {"type": "array", "items": {"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"},
            "positions": {"type": "array", "items": {"type": "object", "required": ["role"], "properties": {
                "role": {"type": "string"}, "body": {"type": "string"}, "sector": {"type": "string"}}}},
            "channels": {"type": "array", "items": {"type": "string", "enum": list(CHANNELS)}},
            "telegram_chat_id": {"oneOf": [{"type": "integer"}, {"type": "string"}]}, "webhook_url": {"type": "string"},
            "deputies": {**_STRINGS, "description": "id заместителей на время отсутствия"},
            "out_of_office": {"type": "array", "items": {"type": "object", "required": ["from", "to"], "properties": {
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                "deputy": {"type": "string"}}}},
            "alert_hours": {"type": "string"}}}},
    },
}
DIRECTORY_EXAMPLE = """\
region: altai-krai
timezone: Asia/Barnaul
triage_body: min-roads
working_hours:
  regional-office:
    windows: [["09:00", "13:00"], ["14:00", "18:00"]]
roles:
  executor: Исполнитель
  head_of_body: Руководитель органа
sectors:
  roads: Дороги
bodies:
  - {id: min-roads, name: Министерство транспорта Алтайского края, sector: roads, hours: regional-office}
municipalities:
  barnaul: Барнаул
officials:
  - id: orlov-dm
    name: Орлов Дмитрий Михайлович
    email: orlov@cur.example.ru
    positions: [{role: head_of_body, body: min-roads}]
    out_of_office: [{from: 2027-07-05, to: 2027-07-18}]
"""
import_yaml.request_body = {
    "required": True,
    "description": f"Справочник в YAML (UTF-8, не больше {MAX_YAML // (1024 * 1024)} МиБ); тело читается как YAML "
                   "при любом Content-Type",
    "content": {"application/yaml": {"schema": DIRECTORY_DOCUMENT, "example": DIRECTORY_EXAMPLE}},
}
