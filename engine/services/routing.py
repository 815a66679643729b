"""The worker's routing: a batch of waiting appeals decided outside the write lock, written in one
short transaction.

Each appeal of the batch is decided as `intake.route_appeal` would decide it alone, in the same
order: the repeats and clusters it sees include the appeals routed before it in the batch
(`repeats.RoutedEarlier`). Its repeats and clusters are looked up on the topic it is expected to
get before the rules run, so the rules run once where they used to run twice (the repeat facts
were looked up after a first decision); when the decided topic differs, or the rules could let
those facts change the topic, it is decided the former way. The batch is then written at once
(engine.store.routed), after checking inside the transaction that no appeal changed meanwhile.

On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED in a short transaction that leases
it (engine.store.routed.claim), so two workers split the waiting appeals without holding row locks
while they decide; a worker that dies loses nothing: its lease runs out and another takes the
batch. On SQLite decisions are made before the write lock is taken, so webhooks wait only for
the writing. When writing a batch fails, its appeals are routed one by one, each failing alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING

from engine.domain.deadlines import compute_clocks
from engine.store import appeals as store
from engine.store import related, routed
from engine.store import search as search_index
from engine.store.db import database, is_sqlite, write_transaction

from .escalation import clock_facts, first_check
from .incidents import Joins, lock_places
from .intake import record_failure, route_appeal, stopped_at_routing
from .notify_now import notify_now
from .repeats import RoutedEarlier, history_for
from .replies import acknowledge_batch, answer_due, channels_named, compose_acknowledgements
from .routed_rows import batch_rows, dues_as_written

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 200  # appeals claimed and decided at a time
LEASE = timedelta(seconds=60)  # PostgreSQL: a claimed batch is another worker's again after this
WRITE_BATCH = 50  # appeals written per transaction (PostgreSQL: webhooks never wait for it)
# On SQLite a webhook waits for the one writer, at most one such write: shorter turns there (at a steady 200
# webhooks/s with 50: p99 12.8 / 13.8 ms, with 20: 8.7 / 9.6 ms; routing alone about 7 % slower)
SQLITE_WRITE_BATCH = 20


def write_batch() -> int:
    """How many decided appeals one write transaction takes on this database."""
    return SQLITE_WRITE_BATCH if is_sqlite() else WRITE_BATCH


@dataclass
class Planned:
    """What routing decided for one appeal, ready to be written."""

    record: object
    decision: object
    history: object
    place: str | None
    official: str | None
    clocks: list = field(default_factory=list)  # (ClockDeadline, stopped_at, (ladder id, first check) | None)


def decide(policy_set, record, incoming, read, earlier=(), known=None):
    """(decision, history, municipality) as `intake._route` decides them, with the repeats and
    clusters looked up before the first decision; a stage whose view was seen before is not put to the
    engine again (the policy set's stage memo: this runs in the worker's one routing thread)."""
    memo = policy_set.stage_memo
    if getattr(policy_set, "reader", None) is None:
        return policy_set.decide(incoming, read=read, memo=memo), None, incoming.municipality
    guess = expected_topic(read)
    history, place = history_for(policy_set, record, incoming, guess, read[1], earlier, known)
    if history.matters:
        decision = policy_set.decide(incoming, history=history, read=policy_set.with_history(read, history),
                                     memo=memo)
        # the decision without these facts would have had the same topic, so these were its facts
        if decision.topic == guess and not policy_set.rulebook.topic_reads_history:
            return decision, history, place
    decision = policy_set.decide(incoming, read=read, memo=memo)
    if decision.topic != guess:
        history, place = history_for(policy_set, record, incoming, decision.topic, read[1], earlier, known)
    if history is not None and history.matters:
        decision = policy_set.decide(incoming, history=history, read=policy_set.with_history(read, history),
                                     memo=memo)
    return decision, history, place


def expected_topic(read) -> str:
    """The topic the facts already carry (channel category or text), which the rules usually keep."""
    return read[0].get("topic") or "other"


def plan(rt: Runtime, record, now: datetime, earlier=(), *, read=None, known=None) -> Planned:
    policy_set = rt.policy_set
    incoming = store.incoming_from(record)
    read = read if read is not None else policy_set.read(incoming)
    decision, history, place = decide(policy_set, record, incoming, read, earlier, known)
    official = policy_set.directory.resolve(decision.role, body=decision.body, sector=decision.sector)
    planned = Planned(record, decision, history, place, official.id if official else None)
    cal = policy_set.calendar_for(decision.body)
    deadlines = compute_clocks(policy_set.policies[decision.policy], record.received_at, now, cal,
                               category=record.category, subcategory=record.subcategory,
                               special=decision.fz59_special)
    for deadline in deadlines:
        stopped = stopped_at_routing(deadline.kind, decision.body, policy_set.directory.triage_body, now)
        ladder = None
        if stopped is None:
            clock = SimpleNamespace(kind=deadline.kind, policy_id=deadline.policy_id, body=decision.body)
            facts = {**clock_facts(record, clock), "priority": decision.priority, "topic": decision.topic,
                     "status": "routed"}
            ladder = first_check(policy_set, facts, started=deadline.starts_at, due=deadline.due_at,
                                 basis=deadline.basis, cal=cal)
        planned.clocks.append((deadline, stopped, ladder))
    return planned


def route_pending(rt: Runtime, *, limit: int = BATCH) -> int:
    """Route every appeal waiting for routing (new or after a failure), a batch at a time; returns
    how many were routed."""
    done = 0
    while True:
        claimed, routed_now = route_batch(rt, limit=limit)
        done += routed_now
        if not claimed or not routed_now:
            return done  # nothing waits, or everything left failed again (its retry time moved on)


def route_batch(rt: Runtime, *, limit: int = BATCH) -> tuple[int, int]:
    """Route up to `limit` waiting appeals: (how many were claimed, how many got routed)."""
    now = rt.now()
    with database.atomic():  # on PostgreSQL a short transaction that leases the batch
        ids = routed.claim(now, limit, lease_until=now + LEASE)
    return len(ids), _route_claimed(rt, ids)


def _route_claimed(rt: Runtime, ids: list[int]) -> int:
    now = rt.now()
    records = routed.appeals(ids)
    reads: dict[int, tuple] = {}
    for appeal_id in ids:
        record = records.get(appeal_id)
        if record is None or record.status != "received":
            continue
        try:
            reads[appeal_id] = rt.policy_set.read(store.incoming_from(record))
        except Exception as exc:  # this appeal waits for the retry; the others go on
            log.exception("appeal %s: routing failed", appeal_id)
            record_failure(rt, appeal_id, exc, now)
    known = _neighbourhood(rt.policy_set, [records[i] for i in reads], reads)
    plans: list[Planned] = []
    earlier: list[RoutedEarlier] = []
    for appeal_id, read in reads.items():
        record = records[appeal_id]
        try:
            planned = plan(rt, record, now, earlier, read=read, known=known)
        except Exception as exc:
            log.exception("appeal %s: routing failed", appeal_id)
            record_failure(rt, appeal_id, exc, now)
            continue
        plans.append(planned)
        earlier.append(RoutedEarlier(record.id, record.author_id, planned.decision.topic,
                                     record.municipality or planned.place, record.received_at))
    done = 0
    size = write_batch()
    for start in range(0, len(plans), size):
        done += _write(rt, plans[start:start + size], now)
    return done


def _neighbourhood(policy_set, records: list, reads: dict) -> related.Neighbourhood | None:
    """The batch's repeats and clusters on the topics expected, read with two queries."""
    reader = getattr(policy_set, "reader", None)
    if reader is None or not records:
        return None
    topics, places = set(), set()
    for r in records:
        topic, reading = expected_topic(reads[r.id]), reads[r.id][1]
        topics.add(topic)
        place = r.municipality or (reading.place.municipality if reading is not None and reading.place else None)
        if place:
            places.add((topic, place))
    first = min(r.received_at for r in records)
    return related.Neighbourhood(
        authors={r.author_id for r in records if r.author_id}, places=places, topics=topics,
        repeat_since=first - reader.history.repeat_window, cluster_since=first - reader.history.cluster_window,
        until=max(r.received_at for r in records), repeat_window=reader.history.repeat_window,
        ids=frozenset(r.id for r in records))


def _write(rt: Runtime, plans: list[Planned], now: datetime) -> int:
    try:
        rows, prepared = _prepared(rt, plans, now)  # explanations built and encoded before the lock is taken
        channels = channels_named(p.record.channel for p in plans)  # each channel of the batch read once
        dues = dues_as_written(plans, rows)
        acknowledgements = compose_acknowledgements(  # composed before the lock too
            rt, [p.record for p in plans], now, channels=channels, dues=dues,
            bodies={p.record.id: p.decision.body for p in plans})
        with write_transaction():
            fresh = routed.unchanged({p.record.id: p.record.updated_at for p in plans})
            if len(fresh) < len(plans):  # changed meanwhile: left for the next batch
                plans = [p for p in plans if p.record.id in fresh]
                rows, prepared = _prepared(rt, plans, now)
            if plans:
                routed.write(prepared, ladders=rows["ladders"], appeals_routed=rows["appeals"], now=now)
                _after_write(rt, plans, rows, now, channels=channels, dues=dues, acknowledgements=acknowledgements)
        for p in plans:
            log.info("appeal %s routed to %s/%s by %s (rules %s)", p.record.id, p.decision.body,
                     p.decision.role, p.decision.route_rule_id, p.decision.version)
        return len(plans)
    except Exception:
        log.exception("writing a routed batch of %s appeals failed; routing them one by one", len(plans))
        return sum(route_appeal(rt, p.record.id) for p in plans)


def _prepared(rt: Runtime, plans: list[Planned], now: datetime) -> tuple[dict, tuple]:
    """The batch's rows, and the statements `routed.write` runs for them, built and converted."""
    rows = batch_rows(rt, plans, now)
    return rows, routed.prepare(**{k: rows[k] for k in ("decisions", "assignments", "clocks", "audits")})


def _after_write(rt: Runtime, plans: list[Planned], rows: dict, now: datetime, *, channels: dict, dues: dict,
                 acknowledgements: dict) -> None:
    """The records as routing left them, their search terms, and the alerts the rules ask for at once (same
    transaction); then their acknowledgements, as composed before the write turn (`dues`: the due times they
    name) except where an incident moved an appeal's clocks."""
    search_index.index_appeals(rows["search"])
    for p, row in zip(plans, rows["appeals"], strict=True):
        changes = {k: v for k, v in row.items() if k != "id"}
        changes.update(status="routed", registered_at=now, updated_at=now, next_routing_at=None, last_error=None)
        for name, value in changes.items():
            setattr(p.record, name, value)
    lock_places(rt, [p.record for p in plans])  # every place of the batch at once, in one order
    # each acknowledgement names the answer's due time as its appeal's own announce would have found it:
    # as written, unless an incident it is in (by its own join or a later appeal's) moved its clocks since
    dues, moved, at_join = dict(dues), set(), []
    joins = Joins(rt, now, dues=True)  # the members' rows, clocks and audit lines written together
    turn = {p.record.id: n for n, p in enumerate(plans)}
    for n, p in enumerate(plans):
        incident_id = joins.join(p.record, locked=True)
        if p.decision.notify_now:
            joins.flush()  # the alert's lines come after the join's, as when the appeal is routed alone
        notify_now(rt, p.record, p.decision, now)
        if incident_id is not None:
            moved |= {p.record.id} | {m for m in joins.members[incident_id] if turn.get(m, -1) > n}
            at_join.append(p.record.id)  # its due as its join left it: read when the join is written
        elif p.record.id in moved:  # a member already (the first of an incident an earlier appeal made)
            if joins.waits(p.record.id):
                joins.flush()
            dues[p.record.id] = answer_due(p.record.id)
    joins.flush()
    dues.update({appeal_id: joins.dues[appeal_id] for appeal_id in at_join})
    # an appeal in an incident may name another due time and body (the incident's): composed again
    composed = {appeal_id: made for appeal_id, made in acknowledgements.items() if appeal_id not in moved}
    acknowledge_batch(rt, [p.record for p in plans], now, channels=channels, dues=dues, composed=composed)
