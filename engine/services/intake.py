"""Receiving an appeal: store it first, then route it, assign it and start its clocks."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from engine.classify.search_terms import document_terms
from engine.domain.appeal import IncomingAppeal
from engine.domain.deadlines import compute_clocks
from engine.store import appeals as store
from engine.store import clocks as clock_store
from engine.store import search as search_index
from engine.store.db import write_transaction

from .escalation import arm_clock, clock_facts
from .incidents import join_incident
from .notify_now import notify_now
from .repeats import history_for
from .replies import announce

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 900, 3600)  # seconds after the 1st, 2nd, 3rd, later failure


@dataclass(frozen=True)
class Received:
    appeal_id: int
    created: bool
    routed: bool = False  # routed in the same request (APPEALS_ROUTING=inline)


def receive_appeal(rt: Runtime, incoming: IncomingAppeal, raw_payload: str, *, actor: str,
                   with_it: Callable[[], None] | None = None) -> Received:
    """Commit the appeal exactly as received; a repeated external id returns the stored one.
    `with_it` runs in the same transaction (a channel records its delivery id there), also when
    the appeal was stored before; whatever it raises undoes what this call wrote."""
    now = rt.now()
    incoming, raw_payload = without_nul(incoming), raw_payload.replace("\x00", "")
    try:  # a repeated external id fails the unique index: no lookup before every insert
        appeal_id = store.insert_received(incoming, raw_payload, now, actor) if with_it is None else None
        if appeal_id is None:
            with write_transaction():
                appeal_id = store.insert_received_in_transaction(incoming, raw_payload, now, actor)
                if with_it is not None:
                    with_it()
    except store.DuplicateAppeal:
        existing = store.find_appeal_id(incoming.channel, incoming.external_id)
        if existing is None:  # another constraint failed: not a repeat
            raise
        return _already_stored(existing, with_it)
    log.info("appeal %s received from %s (%s)", appeal_id, incoming.channel, incoming.external_id)
    return Received(appeal_id, created=True)


def without_nul(incoming: IncomingAppeal) -> IncomingAppeal:
    """NUL characters removed from every text field: PostgreSQL cannot store them, and they mean nothing.
    The usual appeal has none and is returned as it is."""
    texts = {f.name: value.replace("\x00", "") for f in dataclasses.fields(incoming)
             if isinstance(value := getattr(incoming, f.name), str) and "\x00" in value}
    author = {name: value.replace("\x00", "") for name in ("name", "contact")
              if isinstance(value := getattr(incoming.author, name), str) and "\x00" in value}
    if not texts and not author:
        return incoming
    return dataclasses.replace(incoming, author=dataclasses.replace(incoming.author, **author), **texts)


def _already_stored(appeal_id: int, with_it: Callable[[], None] | None) -> Received:
    if with_it is not None:
        with write_transaction():
            with_it()
    return Received(appeal_id, created=False)


def route_on_receipt(rt: Runtime, received: Received) -> Received:
    """With APPEALS_ROUTING=inline a new appeal is routed at once, in the request that stored it;
    queued (the default) leaves it to the worker's `route` job."""
    if not received.created or rt.settings.routing != "inline":
        return received
    return dataclasses.replace(received, routed=route_appeal(rt, received.appeal_id))


def route_appeal(rt: Runtime, appeal_id: int) -> bool:
    """Route a received appeal. On failure it stays `received` and is retried later."""
    now = rt.now()
    try:
        with write_transaction():
            record = store.get_appeal(appeal_id, for_update=True)
            if record is None or record.status != "received":
                return False
            _route(rt, record, now)
        return True
    except Exception as exc:  # any failure leaves the stored appeal for the retry job
        log.exception("appeal %s: routing failed", appeal_id)
        record_failure(rt, appeal_id, exc, now)
        return False


def record_failure(rt: Runtime, appeal_id: int, exc: Exception, now) -> None:
    """Routing the appeal failed: it stays `received` and is tried again after a growing delay."""
    with write_transaction():
        record = store.get_appeal(appeal_id)
        attempts = record.routing_attempts + 1
        delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        store.update_appeal(
            record,
            now,
            routing_attempts=attempts,
            next_routing_at=now + timedelta(seconds=delay),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        store.audit(now, "system", "appeal.routing_failed", appeal_id, error=type(exc).__name__)


def routing_lag(now) -> tuple[int, float]:
    """(appeals due for routing, seconds the oldest of them has waited): what monitoring watches
    when webhooks only store appeals and the worker routes them."""
    count, oldest = store.routing_backlog(now)
    return count, max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _route(rt: Runtime, record, now) -> None:
    policy_set = rt.policy_set
    incoming = store.incoming_from(record)
    read = policy_set.read(incoming)  # the text is read once, for both decisions below
    decision = policy_set.decide(incoming, read=read)
    history, place = history_for(policy_set, record, incoming, decision.topic, read[1])
    if history is not None and history.matters:  # repeat_count and mass-incident are facts the rules use
        decision = policy_set.decide(incoming, history=history, read=policy_set.with_history(read, history))
    official = policy_set.directory.resolve(decision.role, body=decision.body, sector=decision.sector)
    decision_dict = decision.to_dict()
    store.save_decision(record, decision_dict, now, policy_set.reading_id)
    store.save_assignment(record, decision.body, decision.role, official.id if official else None, now)
    search_index.index_appeal(record.id, document_terms(record.text, record.address, record.author_name))
    cal = policy_set.calendar_for(decision.body)
    policy = policy_set.policies[decision.policy]
    deadlines = compute_clocks(policy, record.received_at, now, cal, category=record.category,
                               subcategory=record.subcategory, special=decision.fz59_special)
    for deadline in deadlines:
        stopped = stopped_at_routing(deadline.kind, decision.body, policy_set.directory.triage_body, now)
        # the clock row records its own start (time, due, versions); routing's audit row covers the rest
        clock = clock_store.create_clock(record, deadline, decision.body, stopped_at=stopped)
        if stopped is None:
            facts = {**clock_facts(record, clock), "priority": decision.priority, "topic": decision.topic,
                     "status": "routed"}
            arm_clock(policy_set, clock, facts, cal, now)
    store.update_appeal(
        record,
        now,
        status="routed",
        registered_at=now,
        body=decision.body,
        role=decision.role,
        topic=decision.topic,
        sector=decision.sector,
        priority=decision.priority,
        policy=decision.policy,
        municipality=record.municipality or place,
        repeat_of=history.repeat_of if history else None,
        next_routing_at=None,
        last_error=None,
        on_control=decision.control,
    )
    store.audit(now, "system", "appeal.routed", record.id, body=decision.body, role=decision.role,
                rule=decision.route_rule_id, version=decision.version, policy=decision.policy,
                **({"on_control": True} if decision.control else {}))
    join_incident(rt, record, now)
    notify_now(rt, record, decision, now)
    announce(rt, record, "acknowledgement", now)
    log.info("appeal %s routed to %s/%s by %s (rules %s)", record.id, decision.body, decision.role,
             decision.route_rule_id, decision.version)


def stopped_at_routing(kind: str, body: str, triage_body: str, now):
    """Registration happens when the appeal is routed; forwarding too, unless it went to triage."""
    if kind == "registration":
        return now
    if kind == "forward" and body != triage_body:
        return now
    return None

