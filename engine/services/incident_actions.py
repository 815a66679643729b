"""What staff do with a whole incident: one answer to all its members, its approval when the members
are on control, and detaching a member that does not belong.

One answer to all: the answer action (engine.services.review.answer, through actions.apply_action) is
applied to every open member in one transaction, each as if answered alone — a member still «routed» is
taken first; a member on control gets a draft that `approve_incident_answer` publishes for every member
at once. Publication is the members' own (review.publish_answer → replies.announce with a key per
answer), so each author hears it once, on their own channel. Members in a state that allows no answer
(waiting for the author, already answered) are left as they are and listed with the reason.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from engine.store import appeals as store
from engine.store import incidents as incident_store
from engine.store.db import write_transaction

from .action_errors import ActionInvalid, ActionRefused
from .actions import apply_action, refusal
from .incident_clocks import follow_incident, release_member

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

DETACHERS = ("official", "manager", "admin")


def answer_incident(rt: Runtime, incident_id: int, params: dict, caller) -> dict:
    """Answer every open member of the incident with the same text (kind interim or final)."""
    return _each_member(rt, incident_id, caller, "answer", params, take_first=True)


def approve_incident_answer(rt: Runtime, incident_id: int, params: dict, caller) -> dict:
    """Approve the drafts of every member waiting for review: the answer is published to each author."""
    return _each_member(rt, incident_id, caller, "approve_answer", params, take_first=False)


def return_incident_answer(rt: Runtime, incident_id: int, params: dict, caller) -> dict:
    """Return the drafts of every member waiting for review to the official, with the same remarks."""
    return _each_member(rt, incident_id, caller, "return_answer", params, take_first=False)


def _each_member(rt: Runtime, incident_id: int, caller, name: str, params: dict, *, take_first: bool) -> dict:
    now = rt.now()
    done, skipped = [], []
    with write_transaction():
        incident = incident_store.get(incident_id)
        if incident is None:
            raise LookupError(incident_id)
        # the first member last: its clocks are the incident's, and the others' follow them until answered
        for member in sorted(incident_store.members(incident_id), key=lambda m: m.id == incident.lead):
            appeal = store.get_appeal(member.id, for_update=True)
            if take_first and appeal.status == "routed" and refusal("take", appeal.status, caller.role) is None:
                apply_action(rt, appeal, "take", {}, caller, now)
            reason = refusal(name, appeal.status, caller.role)
            if reason:
                skipped.append({"appeal_id": appeal.id, "reason": reason})
                continue
            result = apply_action(rt, appeal, name, dict(params), caller, now)
            done.append({"appeal_id": appeal.id, "status": result["status"],
                         **({"review": True} if result.get("review") else {})})
        if not done:
            raise ActionRefused("ни одно обращение инцидента не допускает это действие: "
                                + "; ".join(f"№{s['appeal_id']}: {s['reason']}" for s in skipped))
        follow_incident(incident, now)  # clocks the answer started (the final answer's) follow the incident's
        incident_store.close_if_finished(incident, now)
    log.info("incident %s: %s by %s for %s members (%s left as they are)", incident_id, name, caller.actor,
             len(done), len(skipped))
    return {"incident_id": incident_id, "action": name, "members": done, "skipped": skipped,
            "status": incident.status}


def detach_member(rt: Runtime, incident_id: int, appeal_id: int, reason: str, caller) -> dict:
    """Take an appeal out of the incident (it does not belong); audited with who and why. The appeal keeps
    its assignment, gets its own clocks back (counted from its own receipt, its ladder armed again) and is
    not grouped again by its place."""
    if caller.role not in DETACHERS:
        raise ActionRefused("открепить обращение от инцидента может исполнитель, руководитель или администратор")
    reason = (reason or "").strip()
    if not reason:
        raise ActionInvalid("reason", "укажите, почему обращение не относится к инциденту")
    now = rt.now()
    with write_transaction():
        incident = incident_store.get(incident_id)
        if incident is None:
            raise LookupError(incident_id)
        appeal = store.get_appeal(appeal_id, for_update=True)
        if appeal is None or appeal.incident_id != incident_id:
            raise ActionInvalid("appeal_id", f"обращение №{appeal_id} не входит в инцидент №{incident_id}")
        if appeal.id == incident.lead:
            raise ActionRefused("первое обращение инцидента открепить нельзя: по нему маршрутизирован инцидент")
        incident_store.set_member(appeal.id, None, now, place_key=None)
        appeal.incident_id = None
        released = release_member(rt, appeal, now)
        incident_store.refresh_counts(incident, now)
        store.audit(now, caller.actor, "appeal.detached_from_incident", appeal.id, origin=caller.origin,
                    incident=incident.id, reason=reason, **({"clocks_own": released} if released else {}))
    return {"incident_id": incident_id, "appeal_id": appeal_id, "members": incident.members,
            "authors": incident.authors}
