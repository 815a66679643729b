"""The rules API for policy staff: versions, diff, validate, test, publish, rollback, simulate.
Every change is audited with who, when, why. Re-routing an appeal with the active rules is the
`reroute` action (webhooks.api.actions)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g, jsonify, request

from engine.rulebook import action_table, fact_table, operator_table
from engine.rulebook.snapshot import SnapshotError, check_tree
from engine.services import backtest, rules
from engine.services.rules_check import check_files

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("rules", __name__, url_prefix="/api/v1")

POLICY = ("policy", "admin")
MAX_SIMULATE_DAYS = 366


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "expected a JSON object")
    return body


def _draft(body: dict) -> dict[str, str]:
    """The draft's whole folder: the files sent over the active version (unless replace)."""
    files = body.get("files")
    if files is not None and not isinstance(files, dict):
        raise ApiError(422, "invalid_fields", "files must map relative paths to YAML text",
                       {"files": ["not a mapping"]})
    deleted = body.get("deleted") or []
    if not isinstance(deleted, list):
        raise ApiError(422, "invalid_fields", "deleted must be a list of paths", {"deleted": ["not a list"]})
    base = None if body.get("replace") else rules.active_files(runtime().policy.rules_dir)
    try:
        return check_tree(rules.draft_files(files, base=base, replace=bool(body.get("replace")), deleted=deleted))
    except SnapshotError as exc:
        raise ApiError(422, "invalid_fields", str(exc), {"files": [str(exc)]}) from None


def refusal_response(exc: rules.RulesRefused):
    """A refused publish or rollback: the error, with the check's findings when there was a check."""
    payload = {"error": {"code": "refused", "message": str(exc)}}
    if exc.report is not None:
        payload["check"] = _check_view(exc.report)
        payload["findings"] = payload["check"]["findings"]
    response = jsonify(payload)
    response.status_code = exc.status
    return response


def _check_view(report) -> dict:
    view = report.to_dict()
    view["findings"] = view["errors"] + view["warnings"] + [
        {"level": "error", "file": c["file"], "message": f"{c['case']}: {'; '.join(c['failures'])}"}
        for c in view["cases"]["failed"]
    ]
    return view


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_parameter", f"{name} must be an integer", {name: ["not an integer"]}) from None


@bp.get("/rules/vocabulary")
@require_role(*POLICY)
def vocabulary():
    return jsonify({"facts": fact_table(), "operators": operator_table(), "actions": action_table()})


@bp.get("/rules/versions")
@require_role(*POLICY)
def list_versions():
    before = request.args.get("cursor")
    items = rules.versions(limit=100, before_id=_int(before, "cursor") if before else None)
    return jsonify({"items": items, "in_use": runtime().policy.rulebook.version})


@bp.get("/rules/versions/<int:version_id>")
@require_role(*POLICY)
def get_version(version_id: int):
    detail = rules.version_detail(version_id)
    if detail is None:
        raise ApiError(404, "not_found", f"no rules version {version_id}")
    return jsonify(detail)


@bp.get("/rules/diff")
@require_role(*POLICY)
def diff():
    try:
        return jsonify(rules.diff(_int(request.args.get("from"), "from"), _int(request.args.get("to"), "to")))
    except rules.RulesRefused as exc:
        return refusal_response(exc)


@bp.get("/rules/history")
@require_role(*POLICY)
def history():
    return jsonify({"items": rules.history()})


@bp.post("/rules/validate")
@require_role(*POLICY)
def validate():
    report = check_files(_draft(_body()))
    return jsonify(_check_view(report)), 200 if report.ok else 422


@bp.post("/rules/test")
@require_role(*POLICY)
def test_cases():
    report = check_files(_draft(_body()))
    view = _check_view(report)
    return jsonify({"ok": report.ok, "cases": view["cases"], "findings": view["findings"]}), 200 if report.ok else 422


@bp.post("/rules/publish")
@require_role(*POLICY)
def publish():
    body = _body()
    try:
        version, report = rules.publish(_draft(body), actor=g.caller.actor, comment=body.get("comment") or "",
                                        now=runtime().now(), origin=g.caller.origin)
    except rules.RulesRefused as exc:
        return refusal_response(exc)
    runtime().policy_source.refresh()
    return jsonify({"version": version, "check": _check_view(report)}), 201


@bp.post("/rules/rollback")
@require_role(*POLICY)
def rollback():
    body = _body()
    try:
        version = rules.rollback(_int(body.get("version"), "version"), actor=g.caller.actor,
                                 reason=body.get("reason") or "", now=runtime().now(), origin=g.caller.origin)
    except rules.RulesRefused as exc:
        return refusal_response(exc)
    runtime().policy_source.refresh()
    return jsonify({"version": version})


@bp.post("/rules/simulate")
@require_role(*POLICY)
def simulate():
    body = _body()
    days = _int(body.get("since_days", 30), "since_days")
    if not 1 <= days <= MAX_SIMULATE_DAYS:
        raise ApiError(422, "invalid_fields", f"since_days must be 1..{MAX_SIMULATE_DAYS}", {"since_days": ["range"]})
    limit = _int(body["limit"], "limit") if body.get("limit") is not None else None
    rt = runtime()
    try:
        result = backtest.simulate_draft(_draft(body), rt.policy, since=rt.now() - timedelta(days=days), limit=limit)
    except rules.RulesRefused as exc:
        return refusal_response(exc)
    return jsonify(result)

