"""Re-routing an open appeal with the active rules: an explicit, audited action.

The appeal gets a new decision (recorded with the rules version and rule ids that made it) and,
when the body or role changed, a new assignment. Its clocks are kept: they stay pinned to the
policy and calendar versions they started under.
"""

from __future__ import annotations

import logging

from engine.store import appeals as store
from engine.store.db import write_transaction

from .rules import RulesRefused

log = logging.getLogger(__name__)

OPEN = ("routed", "in_progress", "awaiting_author")


def reroute_appeal(rt, appeal_id: int, *, actor: str, reason: str) -> dict:
    reason = (reason or "").strip()
    if not reason:
        raise RulesRefused("say why the appeal is re-routed: a reason is required")
    now = rt.now()
    policy_set = rt.policy
    with write_transaction():
        record = store.get_appeal(appeal_id, for_update=True)
        if record is None:
            raise RulesRefused(f"no appeal {appeal_id}", status=404)
        if record.status not in OPEN:
            raise RulesRefused(f"appeal {appeal_id} is {record.status}; only open appeals "
                               f"({', '.join(OPEN)}) can be re-routed", status=409)
        previous = store.latest_decision(appeal_id)
        decision = policy_set.decide(store.incoming_from(record))
        store.save_decision(record, decision.to_dict(), decision.explain_text(), now)
        moved = (decision.body, decision.role) != (record.body, record.role)
        official = None
        if moved:
            found = policy_set.directory.resolve(decision.role, body=decision.body, sector=decision.topic)
            official = found.id if found else None
            store.save_assignment(record, decision.body, decision.role, official, now)
        before = {"body": record.body, "role": record.role, "priority": record.priority,
                  "rule": previous.route_rule_id if previous else None,
                  "version": previous.ruleset_version if previous else None}
        store.update_appeal(record, now, body=decision.body, role=decision.role, topic=decision.topic,
                            priority=decision.priority)
        after = {"body": decision.body, "role": decision.role, "priority": decision.priority,
                 "rule": decision.route_rule_id, "version": decision.version}
        store.audit(now, actor, "appeal.rerouted", appeal_id, reason=reason, before=before, after=after,
                    rule_ids=list(decision.rule_ids))
    log.info("appeal %s re-routed by %s from %s to %s (rule %s, rules %s)", appeal_id, actor, before["body"],
             decision.body, decision.route_rule_id, decision.version)
    return {"appeal": appeal_id, "changed": moved, "before": before, "after": after, "official": official,
            "clocks": "kept (pinned to the versions they started under)", "reason": reason}
