"""GET /healthz: is the service up, the database reachable, routing and the sweep keeping up.
GET /metrics: the same numbers and the outbox by state, in the Prometheus text format."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services.escalation import lag_seconds
from engine.services.intake import routing_lag
from engine.store import escalations, outbox

from .runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    rt = runtime()
    try:
        lag = lag_seconds(rt.now())
        waiting, routing_seconds = routing_lag(rt.now())
        db_ok = True
    except Exception:
        lag, waiting, routing_seconds, db_ok = None, None, None, False
    body = {
        "status": "ok" if db_ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "rules_version": rt.policy_set.rulebook.version,
        "sweep_lag_seconds": lag,
        "routing_waiting": waiting,
        "routing_lag_seconds": routing_seconds,
    }
    return jsonify(body), 200 if db_ok else 503


@bp.get("/metrics")
def metrics():
    now = runtime().now()
    oldest_alert = outbox.oldest_pending(now)
    waiting, routing_seconds = routing_lag(now)
    counts = outbox.counts_by_status()
    lines = [
        "# HELP appeals_sweep_lag_seconds Age of the oldest due escalation step not yet processed.",
        "# TYPE appeals_sweep_lag_seconds gauge",
        f"appeals_sweep_lag_seconds {lag_seconds(now):.3f}",
        "# HELP appeals_routing_waiting Stored appeals due for routing and not yet routed.",
        "# TYPE appeals_routing_waiting gauge",
        f"appeals_routing_waiting {waiting}",
        "# HELP appeals_routing_lag_seconds How long the oldest appeal due for routing has waited.",
        "# TYPE appeals_routing_lag_seconds gauge",
        f"appeals_routing_lag_seconds {routing_seconds:.3f}",
        "# HELP appeals_escalation_due_steps Escalation steps due now and not yet processed.",
        "# TYPE appeals_escalation_due_steps gauge",
        f"appeals_escalation_due_steps {escalations.due_count(now)}",
        "# HELP appeals_alerts Alerts in the outbox by state.",
        "# TYPE appeals_alerts gauge",
    ]
    lines += [f'appeals_alerts{{status="{status}"}} {counts.get(status, 0)}' for status in outbox.ALERT_STATUSES]
    lines += [
        "# HELP appeals_delivery_lag_seconds Age of the oldest alert due for delivery and not yet sent.",
        "# TYPE appeals_delivery_lag_seconds gauge",
        f"appeals_delivery_lag_seconds {max((now - oldest_alert).total_seconds(), 0) if oldest_alert else 0:.3f}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
