"""GET /healthz: is the service up, the database reachable, routing and the sweep keeping up.
GET /metrics: the same numbers and the outbox by state, in the Prometheus text format."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services.monitoring import health_report, service_metrics

from .runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    body = health_report(runtime())
    return jsonify(body), 200 if body["database"] == "ok" else 503


@bp.get("/metrics")
def metrics():
    m = service_metrics(runtime())
    lines = [
        "# HELP appeals_sweep_lag_seconds Age of the oldest due escalation step not yet processed.",
        "# TYPE appeals_sweep_lag_seconds gauge",
        f"appeals_sweep_lag_seconds {m['sweep_lag_seconds']:.3f}",
        "# HELP appeals_routing_waiting Stored appeals due for routing and not yet routed.",
        "# TYPE appeals_routing_waiting gauge",
        f"appeals_routing_waiting {m['routing_waiting']}",
        "# HELP appeals_routing_lag_seconds How long the oldest appeal due for routing has waited.",
        "# TYPE appeals_routing_lag_seconds gauge",
        f"appeals_routing_lag_seconds {m['routing_lag_seconds']:.3f}",
        "# HELP appeals_escalation_due_steps Escalation steps due now and not yet processed.",
        "# TYPE appeals_escalation_due_steps gauge",
        f"appeals_escalation_due_steps {m['escalation_due_steps']}",
        "# HELP appeals_alerts Alerts in the outbox by state.",
        "# TYPE appeals_alerts gauge",
    ]
    lines += [f'appeals_alerts{{status="{status}"}} {n}' for status, n in m["alerts"].items()]
    lines += ["# HELP appeals_replies Replies to residents by delivery state (dead: not delivered).",
              "# TYPE appeals_replies gauge"]
    lines += [f'appeals_replies{{status="{status}"}} {n}' for status, n in m["replies"].items()]
    lines += [
        "# HELP appeals_delivery_lag_seconds Age of the oldest alert due for delivery and not yet sent.",
        "# TYPE appeals_delivery_lag_seconds gauge",
        f"appeals_delivery_lag_seconds {m['delivery_lag_seconds']:.3f}",
        "# HELP appeals_calendar_missing_year The year whose production calendar is due and missing (0: none).",
        "# TYPE appeals_calendar_missing_year gauge",
        f"appeals_calendar_missing_year {m['calendar_missing_year']}",
        "# HELP appeals_tokens_expiring API tokens used lately that expire within APPEALS_TOKEN_WARN_DAYS.",
        "# TYPE appeals_tokens_expiring gauge",
        f"appeals_tokens_expiring {m['tokens_expiring']}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
