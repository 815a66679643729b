"""What monitoring reads: is the database reachable, are routing, the sweep and delivery keeping up,
and the outbox by state. /healthz and /metrics render these numbers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from engine.store import escalations, outbox

from .api_tokens import expiring_in_use
from .escalation import lag_seconds
from .intake import routing_lag

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

ALERT_STATUSES = outbox.ALERT_STATUSES


def health_report(rt: Runtime) -> dict:
    """status (ok, degraded), database (ok, unreachable), the active rules version, the sweep's lag,
    the appeals waiting for routing and how long the oldest has waited (None without a database)."""
    now = rt.now()
    try:
        lag = lag_seconds(now)
        waiting, routing_seconds = routing_lag(now)
        expiring = expiring_in_use(now, rt.settings.token_warn_days)
        db_ok = True
    except Exception as exc:  # any failure to read means the database is not usable
        log.warning("health check: the database cannot be read (%s)", type(exc).__name__)
        lag, waiting, routing_seconds, expiring, db_ok = None, None, None, [], False
    warnings = [f"срок действия API-токена {t.id} («{t.label or 'без метки'}», роль {t.role}), которым "
                f"пользуются, истекает {t.expires_at.isoformat(timespec='minutes')}: выпустите новый "
                "(appeals token create)" for t in expiring]
    return {
        "status": "ok" if db_ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "rules_version": rt.policy_set.rulebook.version,
        "sweep_lag_seconds": lag,
        "routing_waiting": waiting,
        "routing_lag_seconds": routing_seconds,
        "tokens_expiring": [{"id": t.id, "label": t.label, "role": t.role, "expires_at": t.expires_at.isoformat()}
                            for t in expiring],
        "warnings": warnings,
    }


def service_metrics(rt: Runtime) -> dict:
    """The gauges of /metrics: lags in seconds, counts, and alerts by every outbox state."""
    now = rt.now()
    oldest_alert = outbox.oldest_pending(now)
    waiting, routing_seconds = routing_lag(now)
    counts = outbox.counts_by_status()
    return {
        "sweep_lag_seconds": lag_seconds(now),
        "routing_waiting": waiting,
        "routing_lag_seconds": routing_seconds,
        "escalation_due_steps": escalations.due_count(now),
        "alerts": {status: counts.get(status, 0) for status in ALERT_STATUSES},
        "delivery_lag_seconds": max((now - oldest_alert).total_seconds(), 0) if oldest_alert else 0,
    }
