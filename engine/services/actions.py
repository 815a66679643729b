"""What staff do with an appeal, checked against its state machine; every action is audited.

    routed ──take──▶ in_progress ──answer(final)──▶ answered ──close──▶ closed
       │                │  ▲  ▲                         │                 │
       │  request_clarification│resume                  └──reopen──▶ in_progress ◀──reopen──┘
       │                ▼  │  │
       │          awaiting_author
       │                   │  └──return_answer── answer_review ◀──answer (interim or final)── in_progress
       │                   │                       │            (appeals on control only)
       │                   │                       └──approve_answer──▶ answered (final) · in_progress (interim)
       └─ forward / reroute (back to routed, another body) · reject (art. 11 59-ФЗ) ─▶ rejected

`answer(interim)` and `extend` keep the status. For an appeal on control (a rule's ``control: true``,
or ``put_on_control`` by hand; ``release_control`` takes it off) an answer is a draft: the appeal
waits in ``answer_review`` until a curator, manager or administrator approves it (it is published
then) or returns it with remarks (back to ``in_progress``); engine.services.review. Leaving
``answer_review`` any other way (reject, a re-route to another body) withdraws the draft. A refused
action raises ActionRefused with the reason in Russian, shown to the official as it is. The Russian
names of actions, statuses and reasons are in engine.wording.labels.

Clocks follow the actions, and for answers the moment of publication (engine.services.review.publish_answer):
- a draft waiting for review changes no clock: the answer clocks keep running;
- an interim answer stops the first-response clocks and starts the clocks that wait for it (the
  incident's final answer: N working days from now, never past the hard cap); later interim
  answers do not move that term;
- a final answer stops every clock. Given without an interim answer, it is the first response and
  the final answer at once: the final-answer clock, if it has not started, is recorded as started
  and stopped at that moment (a pending clock with a hard cap is judged against the cap);
- reopening gives the answer clocks (``answer``, ``final_answer``) a new term counted from the
  reopening in the appeal's pinned term and re-arms their ladders (engine.services.clocks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.clockterm import NOT_PAUSABLE
from engine.domain.vocabulary import FINISHED_STATUSES, OPEN_STATUSES
from engine.store import appeals as store
from engine.store.db import write_transaction
from engine.wording.labels import LABELS, REJECT_REASONS
from engine.wording.staff import did_you_mean

from . import clock_starts, clocks, incident_clocks, review
from .action_errors import ActionInvalid, ActionRefused
from .notify_now import notify_now
from .replies import announce, sequence_key

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

EXTENDABLE = ("answer", "final_answer")
ANSWER_CLOCKS = ("answer", "final_answer")  # restarted when an appeal is reopened
STAFF = ("official", "manager", "admin")
REVIEW_ACTIONS = ("approve_answer", "return_answer")


@dataclass(frozen=True)
class Transition:
    source: tuple[str, ...]
    target: str | None  # None keeps the status
    roles: tuple[str, ...] = STAFF


TRANSITIONS: dict[str, Transition] = {
    "take": Transition(("routed",), "in_progress"),
    "answer": Transition(("in_progress",), None),
    "request_clarification": Transition(("in_progress",), "awaiting_author"),
    "resume": Transition(("awaiting_author",), "in_progress"),
    "extend": Transition(OPEN_STATUSES, None, clocks.EXTEND_ROLES),
    "forward": Transition(("routed", "in_progress"), "routed"),
    "reject": Transition(OPEN_STATUSES, "rejected"),
    "close": Transition(("answered", "rejected"), "closed"),
    "reopen": Transition(FINISHED_STATUSES, "in_progress", ("manager", "admin")),
    # reroute moves the status back to routed itself, and only when the responsible body or role changed
    "reroute": Transition(OPEN_STATUSES, None, ("manager", "policy", "admin")),
    # the centre checks answers of appeals on control (engine.services.review)
    "approve_answer": Transition(("answer_review",), None, review.REVIEWERS),
    "return_answer": Transition(("answer_review",), "in_progress", review.REVIEWERS),
    "put_on_control": Transition(OPEN_STATUSES, None, review.REVIEWERS),
    "release_control": Transition(tuple(s for s in OPEN_STATUSES if s != "answer_review"), None, review.REVIEWERS),
}
CONTROL_ACTIONS = {"put_on_control": False, "release_control": True}  # offered only when on_control is this

def allowed_actions(status: str, role: str, on_control: bool | None = None) -> list[str]:
    """Actions the role may take in this status; given ``on_control``, only the control action that fits."""
    return [name for name, t in TRANSITIONS.items() if status in t.source and role in t.roles
            and (on_control is None or CONTROL_ACTIONS.get(name, on_control) == on_control)]


def refusal(name: str, status: str, role: str) -> str | None:
    transition = TRANSITIONS[name]
    if role not in transition.roles:
        return f"действие «{LABELS('action', name)}» недоступно роли «{LABELS('staff_role', role)}»"
    if status not in transition.source:
        return f"действие «{LABELS('action', name)}» невозможно в состоянии «{LABELS('status', status)}»"
    return None


def perform(rt: Runtime, appeal_id: int, name: str, params: dict, caller) -> dict:
    """Do one action at `rt.now()` in one transaction; returns a short result for the caller."""
    if name not in TRANSITIONS:
        raise ActionInvalid("action", f"нет такого действия: {name!r}{did_you_mean(name, TRANSITIONS)}")
    now = rt.now()
    with write_transaction():
        appeal = store.get_appeal(appeal_id, for_update=True)
        if appeal is None:
            raise LookupError(appeal_id)
        reason = refusal(name, appeal.status, caller.role)
        if reason:
            raise ActionRefused(reason)
        return apply_action(rt, appeal, name, params, caller, now)


def apply_action(rt: Runtime, appeal, name: str, params: dict, caller, now: datetime) -> dict:
    """Run an action's handler, move the status, audit; in the caller's transaction, on the appeal row read
    for update, once the caller made sure the action is allowed (``perform`` for staff, a follow-up)."""
    previous = appeal.status
    result = HANDLERS[name](rt, appeal, params, caller, now) or {}
    incident_clocks.after_lead_change(rt, appeal, now)  # the incident's first member: the members follow
    comment = (params.get("comment") or "").strip()
    if comment and not result.get("comment"):  # the comment typed with the action is part of its record
        result["comment"] = comment
    target = TRANSITIONS[name].target
    if target and target != appeal.status:
        store.update_appeal(appeal, now, status=target)
    else:
        store.update_appeal(appeal, now)
    if previous == "answer_review" and appeal.status != previous and name not in REVIEW_ACTIONS:
        result["answer_withdrawn"] = review.withdraw_draft(appeal, caller, now)
    store.audit(now, caller.actor, f"appeal.{name}", appeal.id, origin=caller.origin,
                status_before=previous, status=appeal.status, **result)
    log.info("appeal %s: %s by %s (%s -> %s)", appeal.id, name, caller.actor, previous, appeal.status)
    return {"appeal_id": appeal.id, "action": name, "status": appeal.status, **result}


def _take(rt: Runtime, appeal, params, caller, now):
    assignment = store.current_assignment(appeal.id)
    who = caller.official_id or caller.user or caller.actor
    store.save_assignment(appeal, appeal.body, assignment.role if assignment else "executor", who, now)
    return {"official": who}


def _stop(rt: Runtime, appeal, caller, now, reason: str, kinds: tuple[str, ...] | None = None) -> list[str]:
    return clocks.stop_clocks(rt, appeal, now, actor=caller.actor, reason=reason, kinds=kinds)


def _request_clarification(rt: Runtime, appeal, params, caller, now):
    question = (params.get("text") or "").strip()
    if not question:
        raise ActionInvalid("text", "напишите, что должен уточнить автор")
    paused = []
    for clock in store.clocks_of(appeal.id):
        if clock.kind not in NOT_PAUSABLE and clocks.state_of(clock) == "running" and clock.follows is None:
            clocks.pause_clock(rt, appeal, clock, now, actor=caller.actor, reason=f"запрошено уточнение: {question}")
            paused.append(clock.kind)
    queued = announce(rt, appeal, "clarification", now, fields={"question": question},
                      key=sequence_key(appeal.id, "clarification"), actor=caller.actor)
    return {"text": question, "clocks_paused": paused, **({"author_message": queued.id} if queued else {})}


def _resume(rt: Runtime, appeal, params, caller, now):
    resumed = []
    for clock in store.clocks_of(appeal.id):
        if clocks.state_of(clock) == "paused" and clock.follows is None:  # a follower pauses with its incident
            clocks.resume_clock(rt, appeal, clock, now, actor=caller.actor, reason="уточнение получено")
            resumed.append({"kind": clock.kind, "due_utc": clock.due_at.isoformat()})
    return {"clocks_resumed": resumed}


def _extend(rt: Runtime, appeal, params, caller, now):
    """59-ФЗ: once, within the policy's limit, with a reason sent to the author (engine.services.clocks)."""
    clock = next((c for c in store.clocks_of(appeal.id) if c.kind in EXTENDABLE and c.stopped_at is None), None)
    if clock is None:
        raise ActionRefused("у обращения нет идущего срока ответа, который можно продлить")
    days = params.get("days")
    try:
        event = clocks.extend_clock(rt, appeal, clock, now, actor=caller.actor, role=caller.role,
                                    days=int(days) if days is not None else None, reason=params.get("reason"))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, clocks.ClockInvalid):
            raise ActionInvalid(exc.field, exc.message) from None
        raise ActionInvalid("days", "число дней должно быть целым") from None
    except clocks.ClockRefused as exc:
        raise ActionRefused(f"продление невозможно: {exc.reason}", exc.code) from None
    return {"days": event["days"], "reason": event["reason"], "clock": clock.kind, "due_utc": event["due"],
            "author_notice": event["author_notice"]}


def _forward(rt: Runtime, appeal, params, caller, now):
    body = params.get("body")
    reason = (params.get("reason") or "").strip()
    if body not in rt.policy_set.directory.bodies:
        bodies = rt.policy_set.directory.bodies
        raise ActionInvalid("body", f"в справочнике нет органа {body!r}"
                                    f"{did_you_mean(body, bodies, {b: x.name for b, x in bodies.items()})}")
    if body == appeal.body:
        raise ActionRefused("обращение уже направлено в этот орган")
    if not reason:
        raise ActionInvalid("reason", "укажите, почему обращение не в компетенции органа")
    late = _forward_overdue(appeal, now)
    if late and not (params.get("late_reason") or "").strip():
        raise ActionRefused(f"семидневный срок переадресации (ч. 3 ст. 8 59-ФЗ) истёк {late:%d.%m.%Y}; "
                            "укажите причину опоздания (late_reason)")
    role = "executor"
    official = rt.policy_set.directory.resolve(role, body=body)
    store.save_assignment(appeal, body, role, official.id if official else None, now)
    previous = appeal.body
    store.update_appeal(appeal, now, body=body, role=role, sector=rt.policy_set.sector_of(appeal.topic, body))
    _stop(rt, appeal, caller, now, f"переадресовано в {body}", ("forward",))
    result = {"from_body": previous, "body": body, "reason": reason, "author_notice_required": bool(appeal.fz59)}
    queued = announce(rt, appeal, "forwarded", now, fields={"reason": reason,
                      "previous_body_name": rt.policy_set.labels("body", previous) if previous else ""},
                      key=sequence_key(appeal.id, "forwarded"), actor=caller.actor)
    if queued is not None:
        result["author_message"] = queued.id
    if late:
        result["late_reason"] = params["late_reason"].strip()
    return result


def _forward_overdue(appeal, now: datetime) -> datetime | None:
    """The end of the 7-day forwarding term when it has passed (59-ФЗ appeals only)."""
    if not appeal.fz59:
        return None
    clock = next((c for c in store.clocks_of(appeal.id) if c.kind == "forward"), None)
    if clock is None:
        return None
    return clock.due_at if now > clock.due_at else None


def _reject(rt: Runtime, appeal, params, caller, now):
    reason = params.get("reason")
    if reason not in REJECT_REASONS:
        raise ActionInvalid("reason", "основание — одно из: " + ", ".join(REJECT_REASONS)
                            + did_you_mean(reason, REJECT_REASONS))
    _stop(rt, appeal, caller, now, f"без ответа по существу: {reason}")
    comment = (params.get("comment") or "").strip() or None
    queued = announce(rt, appeal, "rejected", now, fields={"reason": REJECT_REASONS[reason], "comment": comment},
                      key=sequence_key(appeal.id, "rejected"), actor=caller.actor)
    return {"reason": reason, "reason_text": REJECT_REASONS[reason], "comment": comment,
            **({"author_message": queued.id} if queued else {})}


def _close(rt: Runtime, appeal, params, caller, now):
    _stop(rt, appeal, caller, now, "обращение закрыто")
    return {}


def _reopen(rt: Runtime, appeal, params, caller, now):
    """Back to work with a new answer term counted from now (engine.services.clock_starts.restart_clock)."""
    reason = (params.get("reason") or "").strip()
    if not reason:
        raise ActionInvalid("reason", "укажите, почему обращение возвращается в работу")
    why = f"обращение возвращено в работу: {reason}"
    restarted = [clock_starts.restart_clock(rt, appeal, clock, now, actor=caller.actor, reason=why)
                 for clock in store.clocks_of(appeal.id) if clock.kind in ANSWER_CLOCKS]
    restarted += clock_starts.start_waiting(rt, appeal, now, actor=caller.actor, reason=why)
    return {"reason": reason, "clocks_restarted": [{"kind": e["clock"], "due_utc": e["due"]} for e in restarted]}


def _reroute(rt: Runtime, appeal, params, caller, now):
    """Decide again with the active rules (explicit and audited, with a reason).

    The new decision is stored with its rules version, rule ids and explanation. When the body or
    role changed, the appeal gets a new assignment and goes back to `routed` for the new executor
    to take; otherwise its assignment and status stay. Clocks are kept: they stay pinned to the
    policy and calendar versions they started under.
    """
    reason = (params.get("reason") or "").strip()
    if not reason:
        raise ActionInvalid("reason", "укажите, почему обращение направляется заново: причина обязательна")
    previous = store.latest_decision(appeal.id)
    before = {"body": appeal.body, "role": appeal.role, "priority": appeal.priority,
              "rule": previous.route_rule_id if previous else None,
              "version": previous.ruleset_version if previous else None}
    decision = rt.policy_set.decide(store.incoming_from(appeal))
    store.save_decision(appeal, decision.to_dict(), now, rt.policy_set.reading_id)
    moved = (decision.body, decision.role) != (appeal.body, appeal.role)
    if moved:
        found = rt.policy_set.directory.resolve(decision.role, body=decision.body, sector=decision.sector)
        official = found.id if found else None
        store.save_assignment(appeal, decision.body, decision.role, official, now)
    else:
        assignment = store.current_assignment(appeal.id)
        official = assignment.official if assignment else None
    store.update_appeal(appeal, now, body=decision.body, role=decision.role, topic=decision.topic,
                        sector=decision.sector, priority=decision.priority, **({"status": "routed"} if moved else {}),
                        **({"on_control": True} if decision.control else {}))
    notify_now(rt, appeal, decision, now)
    log.info("appeal %s re-routed by %s from %s to %s (rule %s, rules %s)", appeal.id, caller.actor,
             before["body"], decision.body, decision.route_rule_id, decision.version)
    return {"reason": reason, "changed": moved,
            "from_body": before["body"], "body": decision.body,
            "from_role": before["role"], "role": decision.role,
            "from_priority": before["priority"], "priority": decision.priority,
            "from_rule": before["rule"], "rule": decision.route_rule_id,
            "from_version": before["version"], "version": decision.version,
            "rule_ids": list(decision.rule_ids), "official": official}


HANDLERS = {
    "take": _take,
    "answer": review.answer,
    "request_clarification": _request_clarification,
    "resume": _resume,
    "extend": _extend,
    "forward": _forward,
    "reject": _reject,
    "close": _close,
    "reopen": _reopen,
    "reroute": _reroute,
    "approve_answer": review.approve_answer,
    "return_answer": review.return_answer,
    "put_on_control": review.put_on_control,
    "release_control": review.release_control,
}
