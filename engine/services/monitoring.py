"""What monitoring reads: is the database reachable, are routing, the sweep and delivery keeping up,
and the outbox by state. /healthz and /metrics render these numbers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from engine.store import author_messages, escalations, outbox

from .api_tokens import expiring_in_use
from .calendar_watch import calendar_warning, missing_year
from .encryption_keys import keys_from_file
from .escalation import lag_seconds
from .intake import routing_lag

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

ALERT_STATUSES = outbox.ALERT_STATUSES
REPLY_STATUSES = ("pending", "sent", "dead", "manual")  # replies to residents


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
    calendar_missing = missing_year(rt, now)
    warnings = [calendar_warning(calendar_missing)] if calendar_missing else []
    if keys_from_file(rt.settings):
        warnings.append(f"APPEALS_ENCRYPTION_KEYS не задан: секреты каналов зашифрованы ключом из файла "
                        f"{rt.settings.encryption_key_file} на том же диске, что и база; в рабочей установке "
                        "задайте ключи переменной (docs/security.md)")
    # /healthz is public: a token is named by its id alone (`appeals token list` shows its label)
    warnings += [f"срок действия API-токена {t.id}, которым пользуются, истекает "
                 f"{t.expires_at.isoformat(timespec='minutes')}: выпустите новый (appeals token create), "
                 "метку покажет appeals token list" for t in expiring]
    return {
        "status": "ok" if db_ok else "degraded",
        "database": "ok" if db_ok else "unreachable",
        "rules_version": rt.policy_set.rulebook.version,
        "sweep_lag_seconds": lag,
        "routing_waiting": waiting,
        "routing_lag_seconds": routing_seconds,
        "calendar_years": sorted(rt.policy_set.production.years),
        "calendar_missing_year": calendar_missing,
        "tokens_expiring": [{"id": t.id, "expires_at": t.expires_at.isoformat()} for t in expiring],
        "warnings": warnings,
    }


def service_metrics(rt: Runtime) -> dict:
    """The gauges of /metrics: lags in seconds, counts, and alerts by every outbox state."""
    now = rt.now()
    oldest_alert = outbox.oldest_pending(now)
    waiting, routing_seconds = routing_lag(now)
    counts = outbox.counts_by_status()
    replies = author_messages.counts_by_status()
    return {
        "sweep_lag_seconds": lag_seconds(now),
        "routing_waiting": waiting,
        "routing_lag_seconds": routing_seconds,
        "escalation_due_steps": escalations.due_count(now),
        "alerts": {status: counts.get(status, 0) for status in ALERT_STATUSES},
        "replies": {status: replies.get(status, 0) for status in REPLY_STATUSES},
        "delivery_lag_seconds": max((now - oldest_alert).total_seconds(), 0) if oldest_alert else 0,
        "calendar_missing_year": missing_year(rt, now) or 0,
        "tokens_expiring": len(expiring_in_use(now, rt.settings.token_warn_days)),
    }
