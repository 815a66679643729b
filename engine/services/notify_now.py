"""Alerts a routing decision asks for at once: the ``notify_now`` outcome of a rule (rules/routing/signals.yaml:
"угроза жизни — немедленно уведомить руководство").

Written in the transaction that routes (or re-routes) the appeal. Each role is resolved through the
directory at that moment, as for a ladder level (deputies, out-of-office periods, vacancies), and the
alert is urgent: quiet hours never delay it. The idempotency key (appeal, role) under the outbox's
unique index makes each role hear of an appeal once, however often it is routed again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.store import appeals as store
from engine.wording.alerts import immediate_alert

from .notify import enqueue_for, local_day

if TYPE_CHECKING:
    from engine.rulebook.model import Decision
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

NOTIFY_NOW_LEVEL = "notify-now"  # the outbox's level of these alerts (ladder levels have their own ids)


def notify_now(rt: Runtime, appeal, decision: Decision, now: datetime) -> int:
    """Alert every role the decision's rules ask to notify at once; returns how many roles were alerted now
    (a role alerted about this appeal before is not alerted again)."""
    if not decision.notify_now:
        return 0
    directory = rt.policy_set.directory
    day = local_day(rt, now)
    reasons = decision.notify_reasons()
    written = 0
    seen: set[str] = set()
    for role in decision.notify_now:
        rule_id, description = reasons.get(role, (decision.route_rule_id, ""))
        resolution = directory.resolve_for_alert(role, body=decision.body, sector=decision.sector or decision.topic,
                                                 day=day)
        if resolution is None or not resolution.official.channels:
            store.audit(now, "system", "alert.no_recipient", appeal.id, level=NOTIFY_NOW_LEVEL, role=role,
                        rule=rule_id)
            log.warning("appeal %s: notify_now of rule %s: nobody can take role %s", appeal.id, rule_id, role)
            continue
        official = resolution.official
        if official.id in seen:
            continue  # one person holding two notified roles gets one alert
        seen.add(official.id)
        subject, body = immediate_alert(appeal, decision, resolution, reason=description,
                                        timezone=directory.timezone, labels=rt.policy_set.labels)
        inserted = enqueue_for(
            rt, official, key=f"appeal:{appeal.id}:notify_now:role:{role}", now=now, not_before=now,
            appeal=appeal.id, clock=None, level=NOTIFY_NOW_LEVEL, role=resolution.role, subject=subject, body=body,
        )
        if inserted:
            written += 1
            store.audit(now, "system", "alert.pending", appeal.id, level=NOTIFY_NOW_LEVEL, rule=rule_id,
                        role=resolution.role, requested_role=role, recipient=official.id,
                        deputy_for=resolution.holder.id if resolution.deputy else None,
                        vacant=list(resolution.vacant))
            log.info("appeal %s: immediate alert for %s (%s) asked by rule %s", appeal.id, official.id,
                     resolution.role, rule_id)
    return written

