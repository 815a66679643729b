"""The rules API for policy staff: versions, diff, validate, test, publish, rollback, simulate.
Every change is audited with who, when, why. Re-routing an appeal with the active rules is the
`reroute` action (webhooks.api.actions). A simulation is checked in the request and run by the
worker: the answer points at the record that shows its progress and, at the end, its report."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g, jsonify, request, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length

from engine.rulebook import fact_table, operator_table, outcome_table
from engine.rulebook.snapshot import SnapshotError, check_tree
from engine.services.rules import rerouting, simulations, versions
from engine.services.rules.check import check_files
from engine.services.users import list_users
from engine.wording.staff import actor_name

from ..auth import require_role
from ..bounded_json import MAX_INT
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("rules", __name__, url_prefix="/api/v1")

POLICY = ("policy", "admin")
MAX_SIMULATE_DAYS = 366
MAX_SIMULATIONS_LISTED = 100


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
    base = None if body.get("replace") else versions.active_files(runtime().policy_set.rules_dir)
    try:
        return check_tree(versions.draft_files(files, base=base, replace=bool(body.get("replace")), deleted=deleted))
    except SnapshotError as exc:
        raise ApiError(422, "invalid_fields", str(exc), {exc.field: [str(exc)]}) from None


def refusal_response(exc: versions.RulesRefused):
    """A refused publish or rollback: the error, with the check's findings when there was a check."""
    payload = {"error": {"code": "refused", "message": str(exc)}}
    if exc.report is not None:
        payload["check"] = _check_view(exc.report)
        payload["findings"] = payload["check"]["findings"]
    response = jsonify(payload)
    response.status_code = exc.status
    return response


def _check_view(report) -> dict:
    """The check as the editor shows it: findings, then every failed case and every broken case
    file (routing, escalation and deadline-policy cases alike), each with its file."""
    view = report.to_dict()
    view["findings"] = view["errors"] + view["warnings"] + [
        {"level": "error", "file": c["file"], "message": f"{c['case']}: {'; '.join(c['failures'])}"}
        for c in view["cases"]["failed"]
    ] + [
        {"level": "error", "file": error.split(": ", 1)[0], "message": error.split(": ", 1)[-1]}
        for error in view["cases"]["file_errors"]
    ]
    return view


def _int(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_parameter", f"{name} must be an integer", {name: ["not an integer"]}) from None
    if not -MAX_INT <= number <= MAX_INT:
        raise ApiError(400, "bad_parameter", f"{name} is out of range", {name: ["out of range"]})
    return number


@bp.get("/rules/vocabulary")
@require_role(*POLICY)
def vocabulary():
    return jsonify({"facts": fact_table(), "operators": operator_table(), "outcomes": outcome_table()})


def _named(item: dict, who: str, **codes: str) -> dict:
    """An item with the Russian names staff read: ``<who>_name`` for the person, ``<field>_title`` for codes."""
    labels = runtime().policy_set.labels
    people = {u.login: u.name or u.login for u in list_users()}
    out = {**item, f"{who}_name": actor_name(item.get(who), labels, people)}
    for field, kind in codes.items():
        out[f"{field}_title"] = labels(kind, item.get(field))
    return out


@bp.get("/rules/versions")
@require_role(*POLICY)
def list_versions():
    before = request.args.get("cursor")
    items = versions.versions(limit=100, before_id=_int(before, "cursor") if before else None)
    return jsonify({"items": [_named(v, "author") for v in items], "in_use": runtime().policy_set.rulebook.version})


@bp.get("/rules/versions/<int:version_id>")
@require_role(*POLICY)
def get_version(version_id: int):
    detail = versions.version_detail(version_id)
    if detail is None:
        raise ApiError(404, "not_found", f"no rules version {version_id}")
    return jsonify(detail)


@bp.get("/rules/diff")
@require_role(*POLICY)
def diff():
    try:
        return jsonify(versions.diff(_int(request.args.get("from"), "from"), _int(request.args.get("to"), "to")))
    except versions.RulesRefused as exc:
        return refusal_response(exc)


@bp.get("/rules/history")
@require_role(*POLICY)
def history():
    return jsonify({"items": [_named(h, "actor", action="rule_activation") for h in versions.history()]})


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
    rt = runtime()
    files = _draft(body)
    based_on = {"based_on": _int(body["based_on"], "based_on")} if body.get("based_on") is not None else {}
    if based_on.get("based_on") == versions.FOLDER_VERSION and versions.active_version_id() is None:
        based_on["based_on"] = None  # edited from the folder, which is not stored: nothing was published since
    try:
        version, report = versions.publish(files, actor=g.caller.actor, comment=body.get("comment") or "",
                                        now=rt.now(), origin=g.caller.origin, folder=rt.policy_set, **based_on)
    except versions.RulesRefused as exc:
        return refusal_response(exc)
    runtime().policy_source.refresh()
    return jsonify({"version": version, "check": _check_view(report)}), 201


@bp.post("/rules/rollback")
@require_role(*POLICY)
def rollback():
    body = _body()
    try:
        version = versions.rollback(_int(body.get("version"), "version"), actor=g.caller.actor,
                                 reason=body.get("reason") or "", now=runtime().now(), origin=g.caller.origin)
    except versions.RulesRefused as exc:
        return refusal_response(exc)
    runtime().policy_source.refresh()
    return jsonify({"version": version})


@bp.post("/rules/simulate")
@require_role(*POLICY)
def simulate():
    """Start a backtest of a draft on the appeals of the last since_days days.

    Body: the draft as for validate (files, deleted, replace), since_days (1..366, default 30),
    limit (optional, at least 1). The draft is checked at once: a draft with errors is refused (422,
    with the findings) and nothing is stored. Otherwise the worker runs it: 202 with the
    simulation's id, status and url (also in Location) to follow its progress and read its report."""
    body = _body()
    days = _int(body.get("since_days", 30), "since_days")
    if not 1 <= days <= MAX_SIMULATE_DAYS:
        raise ApiError(422, "invalid_fields", f"since_days must be 1..{MAX_SIMULATE_DAYS}", {"since_days": ["range"]})
    limit = _int(body["limit"], "limit") if body.get("limit") is not None else None
    if limit is not None and limit < 1:
        raise ApiError(422, "invalid_fields", "limit must be at least 1", {"limit": ["range"]})
    now = runtime().now()
    try:
        queued = simulations.submit(_draft(body), since=now - timedelta(days=days), limit=limit,
                                    requested_by=g.caller.actor, now=now)
    except versions.RulesRefused as exc:
        return refusal_response(exc)
    url = _simulation_url(queued["id"])
    response = jsonify({"id": queued["id"], "status": queued["status"], "url": url})
    response.status_code = 202
    response.headers["Location"] = url
    return response


simulate.responses = {"202": "queued: {id, status, url}; Location names the simulation",
                      "400": "the body is not a JSON object, or a number is not an integer",
                      "422": "the draft does not pass the check (with its findings), or since_days or limit is "
                             "out of range"}


@bp.get("/rules/simulations")
@require_role(*POLICY)
def list_simulations():
    """The most recent simulations, newest first, without their reports.

    ?limit= (1..100, default 50)."""
    limit = _int(request.args.get("limit", simulations.RECENT), "limit")
    if not 1 <= limit <= MAX_SIMULATIONS_LISTED:
        raise ApiError(400, "bad_parameter", f"limit must be 1..{MAX_SIMULATIONS_LISTED}", {"limit": ["range"]})
    return jsonify({"items": [{**item, "url": _simulation_url(item["id"])} for item in simulations.recent(limit)]})


@bp.get("/rules/simulations/<int:simulation_id>")
@require_role(*POLICY)
def get_simulation(simulation_id: int):
    """A simulation: status (queued, running, done, failed), progress {done, total}, its times.

    When done, result is the backtest's report (changes grouped by old rule → new rule, with
    examples and the deadlines that would move); when failed, error says why."""
    found = simulations.get(simulation_id)
    if found is None:
        raise ApiError(404, "not_found", f"no simulation {simulation_id}")
    return jsonify({**found, "url": _simulation_url(simulation_id)})


get_simulation.responses = {"200": "the simulation", "404": "no such simulation"}


class SimulationRerouteSchema(Schema):
    reason = fields.String(required=True, validate=Length(min=1, max=2000),
                           metadata={"description": "почему обращения направляются заново"})


@bp.post("/rules/simulations/<int:simulation_id>/reroute")
@require_role(*POLICY)
def reroute_simulated(simulation_id: int):
    """Перенаправить обращения из отчёта симуляции по действующим правилам.

    The open appeals the simulation found changed are decided again with the active rules in one
    transaction, each with its own `appeal.reroute` on the timeline and the batch audited once
    (`rules.simulation_rerouted`). Refused (409) unless the simulated draft is the rules in force, so
    publish it first."""
    data = SimulationRerouteSchema().load(_body())
    rt = runtime()
    try:
        return jsonify(rerouting.reroute_simulated(rt, simulation_id, g.caller, reason=data["reason"], now=rt.now()))
    except rerouting.RerouteRefused as exc:
        raise ApiError(exc.status, "refused" if exc.status == 409 else "not_found" if exc.status == 404
                       else "forbidden" if exc.status == 403 else "invalid_fields", str(exc)) from None


reroute_simulated.request_schema = SimulationRerouteSchema
reroute_simulated.responses = {"200": "{simulation, affected, rerouted, moved, unchanged}",
                               "404": "no such simulation", "409": "the simulation is not done, or its draft is "
                               "not the rules in force", "422": "no reason"}


def _simulation_url(simulation_id: int) -> str:
    return url_for("rules.get_simulation", simulation_id=simulation_id)
