"""Members' clocks follow the incident's clock.

The incident's clocks are its first member's (the lead's): the incident was routed by that appeal's
decision, and the lead is never detached. A member's clock of a kind the lead has takes the lead
clock's due time, pause and breach and records which clock it follows (`follows`, m0032); the
member's own escalation ladder rests meanwhile (no check is due), so one outage escalates once, on
the incident's clock, while each member still shows the true deadline and whether it has passed. A
member's clock of a kind the lead has not (a 59-ФЗ term in an incident from social networks) stays
its own: those terms are the law's, per appeal.

The member keeps its own term (start, amount, extension, pause credit): detaching it gives it back
the clock counted from its own receipt, with its own ladder armed again. When the lead's clock
stops while a member's is still open (the lead alone was answered), the member's clock keeps the
incident's due time but escalates on its own ladder again: that resident has no answer yet.

A raised incident priority re-decides the lead's deadline policy with that priority (the routing
rules' deadline stage, e.g. incident → incident-high) and the ladder of each open clock (the
escalation rules): a shorter term counted from the clock's own start replaces the current one (a
raised priority never lengthens a term), a different ladder replaces the current one, both audited
as `incident.terms_rearmed`, and the members follow. Everything here runs inside the caller's
transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.clockterm import term_due, term_provisional
from engine.domain.deadlines import bounded
from engine.store import appeals as store
from engine.store import clock_following, escalations
from engine.store import clocks as clock_store
from engine.store import incidents as incident_store

from .escalation import clock_facts, rearm_clock
from .replies import announce

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


def follow_incident(incident, now: datetime, *, members: list[int] | None = None,
                    lead_clocks: list[int] | None = None) -> list[tuple[int, int, str, datetime]]:
    """Members' open clocks (these `members`, or all) take the incident's due times; their ladders rest."""
    followed = clock_following.follow(incident.lead, members=members, incident_id=incident.id,
                                      lead_clocks=lead_clocks)
    clock_following.rest_ladders([clock_id for clock_id, *_ in followed], now)
    return followed


def after_lead_change(rt: Runtime, appeal, now: datetime) -> None:
    """An action or a clock operation changed the appeal's clocks: when it leads an incident, the
    members follow (and those whose incident clock stopped escalate on their own again)."""
    if appeal.incident_id is None:
        return
    incident = incident_store.get(appeal.incident_id)
    if incident is None or incident.lead != appeal.id:
        return
    lead_clocks = store.clocks_of(appeal.id)
    follow_incident(incident, now)
    stopped = [c.id for c in lead_clocks if c.stopped_at is not None]
    for clock in clock_following.followers_of(stopped):
        clock_store.update_clock(clock, follows=None)
        rearm_clock(rt, clock, now)
        store.audit(now, "system", "clock.incident_released", clock.appeal_id, clock=clock.kind,
                    incident=incident.id, due=clock.due_at.isoformat(),
                    reason="срок инцидента остановлен, а по этому обращению ответа ещё нет")


def tell_members_extended(rt: Runtime, clock, now: datetime, *, fields: dict, actor: str, text: str | None) -> int:
    """The incident's clock was extended: the authors of the members whose clocks follow it are told too,
    each on their own channel (59-ФЗ: the author is notified of an extension); how many notices were queued."""
    told = 0
    for follower in clock_following.followers_of([clock.id]):
        member = store.get_appeal(follower.appeal_id)
        key = f"appeal:{member.id}:extended:{follower.kind}:v{follower.deadline_version + 1}"
        told += announce(rt, member, "extended", now, fields=dict(fields), actor=actor, text=text, key=key) is not None
    return told


def clocks_moved(rt: Runtime, clock_ids: list[int], now: datetime) -> int:
    """These clocks' due times moved (a recompute): the clocks that follow them move too."""
    moved = 0
    for lead_clock, incident_id in clock_following.incidents_led_by(clock_ids):
        incident = incident_store.get(incident_id)
        if incident is not None:
            moved += len(follow_incident(incident, now, lead_clocks=[lead_clock]))
    return moved


def release_member(rt: Runtime, appeal, now: datetime) -> list[dict]:
    """A detached member gets its own clocks back: counted from its own start (receipt or registration)
    with its own extension and pause credit, not paused, its ladder armed again."""
    released = []
    for clock in clock_following.following_clocks(appeal.id):
        if clock.stopped_at is not None:
            clock_store.update_clock(clock, follows=None)
            continue
        due = own_due(rt, clock, appeal)
        changes = {"follows": None, "paused_since": None, "due_at": due,
                   "deadline_version": clock.deadline_version + 1}
        if clock.breached_at is not None and due > now:
            changes["breached_at"] = None
        before = clock.due_at
        clock_store.update_clock(clock, **changes)
        rearm_clock(rt, clock, now)
        released.append({"clock": clock.kind, "due_before": before.isoformat(), "due": due.isoformat()})
    return released


def own_due(rt: Runtime, clock, appeal) -> datetime:
    """The due time of the clock's own term, as the clock operations count it."""
    if clock.waits_for and clock.cap_at is not None:
        return clock.cap_at
    from .clocks import term_of  # the clock operations import this module

    amount, on_non_working, _ = term_of(rt, clock, appeal)
    cal = rt.policy_set.calendar_for(clock.body)
    return bounded(term_due(clock.basis, amount, clock.started_at, cal, on_non_working=on_non_working,
                            extension_days=clock.extension_days, credit=clock.pause_credit), clock.cap_at)


def rearm_for_priority(rt: Runtime, incident, priority: str, rule: str, now: datetime) -> dict | None:
    """The incident's priority was raised: its deadline policy and ladders as the rules give them for
    that priority; the members follow. Returns what changed (also audited), or None."""
    policy_set = rt.policy_set
    lead = store.get_appeal(incident.lead)
    if lead is None:
        return None
    facts, reading = policy_set.read(store.incoming_from(lead))
    facts["priority"] = priority
    decided = policy_set.decide(store.incoming_from(lead), read=(facts, reading)).policy
    policy = policy_set.policies.get(decided) if decided and decided != lead.policy else None
    changes = []
    for clock in store.clocks_of(lead.id):
        if clock.stopped_at is not None:
            continue
        change = _shorter_term(rt, clock, lead, policy, now) if policy is not None else {}
        row = escalations.for_clock(clock.id)
        ladder = policy_set.ladder_for({**clock_facts(lead, clock), "priority": priority})
        if row is not None and ladder is not None and ladder.id != row.ladder_id:
            change["ladder_before"], change["ladder"] = row.ladder_id, ladder.id
            escalations.set_ladder(row, ladder.id)
        if change:
            rearm_clock(rt, clock, now, row=row)
            changes.append({"clock": clock.kind, **change})
    if policy is not None:
        store.update_appeal(lead, now, policy=policy.id)
        incident_store.set_policy(incident, policy.id, now)
    if not changes and policy is None:
        return None
    follow_incident(incident, now)
    details = {"incident": incident.id, "priority": priority, "rule": rule, "clocks": changes,
               **({"policy": policy.id} if policy is not None else {})}
    store.audit(now, "system", "incident.terms_rearmed", lead.id, **details)
    log.info("incident %s: priority %s re-armed the terms of appeal %s: %s", incident.id, priority, lead.id, changes)
    return details


def _shorter_term(rt: Runtime, clock, appeal, policy, now: datetime) -> dict:
    """The clock under the new policy's term of its kind, counted from its own start, when that is due
    earlier (pinned to the new policy and its version); {} when the policy has no such clock or no shorter term."""
    spec = next((s for s in policy.clocks_for(appeal.category, appeal.subcategory)
                 if s.kind == clock.kind and s.basis == clock.basis), None)
    if spec is None or clock.waits_for:
        return {}
    cal = rt.policy_set.calendar_for(clock.body)
    due = bounded(term_due(clock.basis, spec.amount, clock.started_at, cal, on_non_working=spec.on_non_working,
                           extension_days=clock.extension_days, credit=clock.pause_credit), clock.cap_at)
    if due >= clock.due_at:
        return {}
    before, was = clock.due_at, clock.policy_id
    clock_store.update_clock(clock, due_at=due, amount=spec.amount, on_non_working=spec.on_non_working,
                             policy_id=policy.id, policy_version=policy.version, calendar_version=cal.version,
                             deadline_version=clock.deadline_version + 1,
                             provisional_years=term_provisional(clock.basis, clock.started_at, due, cal))
    return {"policy_before": was, "policy": policy.id,
            "due_before": before.isoformat(), "due": due.isoformat()}
