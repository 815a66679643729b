"""GET /healthz: is the service up, the database reachable, the sweep keeping up."""

from __future__ import annotations

from flask import Blueprint, jsonify

from engine.services.escalation import lag_seconds

from .runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    rt = runtime()
    try:
        lag = lag_seconds(rt.now())
        db_ok = True
    except Exception:
        lag, db_ok = None, False
    body = {
        "status": "ok" if db_ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "rules_version": rt.policy.rulebook.version,
        "sweep_lag_seconds": lag,
    }
    return jsonify(body), 200 if db_ok else 503
