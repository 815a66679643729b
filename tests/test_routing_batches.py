"""The worker's batched routing decides and writes exactly what routing the appeals one by one would.

The demo corpus (every routing case of the demo rules and the demo appeals, three passes, a few
authors, so that repeats and clusters occur) is received, routed one by one (`route_appeal`, the
inline path), every trace of routing is recorded and removed, and the same appeals are routed by
the worker's batches. Both runs must leave the same rows behind: decisions with their explanations,
assignments, clocks, escalation states, alerts, audit lines and the appeals' own columns.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import routing
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import (
    AlertRecord,
    AppealRecord,
    AssignmentRecord,
    AuditRecord,
    AuthorMessageRecord,
    ClockRecord,
    DecisionRecord,
    EscalationRecord,
    IncidentRecord,
)
from tests.support.corpus import corpus_appeals

pytestmark = pytest.mark.both_databases

ROUTED_COLUMNS = ("status", "body", "role", "topic", "priority", "policy", "municipality", "repeat_of",
                  "registered_at", "routing_attempts", "next_routing_at", "last_error", "on_control", "sector",
                  "place_key", "incident_id")


def receive_corpus(runtime) -> list[int]:
    return [receive_appeal(runtime, incoming, "{}", actor="test").appeal_id
            for incoming in corpus_appeals(runtime.now())]


def routing_traces(ids: list[int]) -> dict[int, dict]:
    """Everything routing wrote for each appeal, without row ids."""
    out = {}
    for appeal_id in ids:
        appeal = AppealRecord.get_by_id(appeal_id)
        clocks = list(ClockRecord.select().where(ClockRecord.appeal == appeal_id).order_by(ClockRecord.kind))
        incident = IncidentRecord.get_or_none(IncidentRecord.id == appeal.incident_id)
        out[appeal_id] = {
            # an incident's row id differs between the two runs: it is named by its first member
            "appeal": {name: getattr(appeal, name) for name in ROUTED_COLUMNS if name != "incident_id"},
            "incident": incident and (incident.lead, incident.members, incident.authors, incident.priority,
                                      incident.body),
            "decisions": [_columns(d, ("id", "appeal")) for d in DecisionRecord.select().where(
                DecisionRecord.appeal == appeal_id)],
            "assignments": [_columns(a, ("id", "appeal")) for a in AssignmentRecord.select().where(
                AssignmentRecord.appeal == appeal_id)],
            # a member's clock follows its incident's clock: named by that clock's appeal and kind, not its row id
            "clocks": [{**_columns(c, ("id", "appeal", "follows")), "follows": _followed(c.follows)} for c in clocks],
            "escalations": [_columns(e, ("id", "clock")) for e in EscalationRecord.select().where(
                EscalationRecord.clock.in_([c.id for c in clocks])).order_by(EscalationRecord.clock)],
            "alerts": sorted((a.idempotency_key, a.level, a.role, a.recipient, a.subject, a.body, a.status)
                             for a in AlertRecord.select().where(AlertRecord.appeal == appeal_id)),
            # audit rows name the reply's row id, which differs between the two runs; "replies" compares them;
            # and the incident's row id, compared through its first member under "incident"
            "audit": sorted((a.action, a.actor, repr(sorted((k, v) for k, v in a.details.items()
                                                            if k not in ("message", "incident"))))
                            for a in AuditRecord.select().where(
                (AuditRecord.appeal == appeal_id) & (AuditRecord.action != "appeal.received"))),
            "replies": sorted((m.idempotency_key, m.kind, m.route, repr(m.address), m.text, m.status)
                              for m in AuthorMessageRecord.select().where(AuthorMessageRecord.appeal == appeal_id)),
        }
    return out


def _followed(clock_id: int | None) -> tuple[int, str] | None:
    clock = ClockRecord.get_or_none(ClockRecord.id == clock_id) if clock_id is not None else None
    return (clock.appeal_id, clock.kind) if clock else None


def _columns(row, leave_out: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in row._meta.fields if name not in leave_out}


def unroute(ids: list[int], originals: dict[int, dict]) -> None:
    """Back to the moment the appeals were received."""
    clock_ids = [c.id for c in ClockRecord.select(ClockRecord.id).where(ClockRecord.appeal.in_(ids))]
    EscalationRecord.delete().where(EscalationRecord.clock.in_(clock_ids)).execute()
    AlertRecord.delete().where(AlertRecord.appeal.in_(ids)).execute()
    for model in (ClockRecord, AssignmentRecord, DecisionRecord, AuthorMessageRecord):
        model.delete().where(model.appeal.in_(ids)).execute()
    AuditRecord.delete().where(AuditRecord.appeal.in_(ids) & (AuditRecord.action != "appeal.received")).execute()
    IncidentRecord.delete().execute()
    for appeal_id, columns in originals.items():
        AppealRecord.update(**columns).where(AppealRecord.id == appeal_id).execute()


@pytest.mark.parametrize("batch", [7, routing.BATCH])
def test_batched_routing_writes_what_routing_one_by_one_writes(runtime, batch, monkeypatch):
    ids = receive_corpus(runtime)
    originals = {a.id: {name: getattr(a, name) for name in (*ROUTED_COLUMNS, "updated_at")}
                 for a in AppealRecord.select().where(AppealRecord.id.in_(ids))}
    due_order = [a.id for a in AppealRecord.select(AppealRecord.id).where(AppealRecord.id.in_(ids))
                 .order_by(AppealRecord.id)]

    evaluations = Evaluations(runtime, monkeypatch)
    assert all(route_appeal(runtime, appeal_id) for appeal_id in due_order)
    one_by_one, evaluated_one_by_one = routing_traces(ids), evaluations.take()
    unroute(ids, originals)
    assert routing_traces(ids) != one_by_one

    assert routing.route_pending(runtime, limit=batch) == len(ids)
    batched, evaluated_batched = routing_traces(ids), evaluations.take()

    for appeal_id in ids:
        assert batched[appeal_id] == one_by_one[appeal_id], appeal_id
    # the corpus exercises what batching must carry from one appeal to the next
    tags = [set(t[0]["tags"]) for t in (trace["decisions"] for trace in one_by_one.values())]
    assert sum("repeat" in t for t in tags) >= 10
    assert sum("mass-incident" in t for t in tags) >= 10
    assert sum(trace["appeal"]["repeat_of"] is not None for trace in one_by_one.values()) >= 20
    assert 0 < sum(trace["appeal"]["on_control"] for trace in one_by_one.values()) < len(ids)
    assert sum(trace["incident"] is not None for trace in one_by_one.values()) >= 4  # appeals joined incidents
    # repeats and clusters are looked up before the first decision: about one evaluation an appeal
    assert evaluated_batched < evaluated_one_by_one
    assert evaluated_batched <= len(ids) * 1.1, (evaluated_batched, len(ids))


def test_the_worker_puts_each_view_of_a_stage_to_the_engine_once(runtime, monkeypatch):
    """Appeals share a few views of each stage (topic, place, a few words): the worker's routing remembers
    what each view fired (the policy set's stage memo) and asks the engine once per view; the decisions are
    those routing one by one makes (the test above)."""
    from engine.rulebook.decision_key import StageMemo
    from engine.rulebook.rulebook import _Guarded

    ids = receive_corpus(runtime)
    asked, engine_asked = [], []
    memo = StageMemo()  # the session's policy set remembers the views of earlier tests: a memo of this one's
    monkeypatch.setitem(runtime.policy_set.__dict__, "stage_memo", memo)
    memo_fired, engine_fired = type(memo.around(None)).fired, _Guarded.fired
    monkeypatch.setattr(type(memo.around(None)), "fired",
                        lambda self, stage, doc: asked.append(stage.name) or memo_fired(self, stage, doc))
    monkeypatch.setattr(_Guarded, "fired",
                        lambda self, stage, doc: engine_asked.append(stage.name) or engine_fired(self, stage, doc))

    assert routing.route_pending(runtime) == len(ids)

    assert len(asked) >= len(ids)  # every decision's stages went through the memo
    assert len(engine_asked) == memo.evaluated == len(memo.fired)  # the engine once per view remembered
    assert len(engine_asked) < len(asked) / 2, (len(engine_asked), len(asked))
    assert DecisionRecord.select().where(DecisionRecord.appeal.in_(ids)).count() == len(ids)


class Evaluations:
    """Counts the rules' evaluations (`PolicySet.decide` calls); `take()` gives the count since the last take."""

    def __init__(self, runtime, monkeypatch):
        self.count = 0
        decide = type(runtime.policy_set).decide

        def counting(policy_set, *args, **kwargs):
            self.count += 1
            return decide(policy_set, *args, **kwargs)

        monkeypatch.setattr(type(runtime.policy_set), "decide", counting)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def test_an_appeal_changed_after_its_batch_was_decided_is_left_for_the_next_batch(runtime, clock, monkeypatch):
    ids = receive_corpus(runtime)[:5]
    plan = routing.plan

    done_once = []

    def staff_touches_the_third(rt, record, now, earlier=(), **known):
        planned = plan(rt, record, now, earlier, **known)
        if record.id == ids[2] and not done_once:  # written between the decision and the batch's write, once
            done_once.append(record.id)
            touched = {"updated_at": now + timedelta(seconds=1), "last_error": "touched"}
            AppealRecord.update(**touched).where(AppealRecord.id == ids[2]).execute()
        return planned

    monkeypatch.setattr(routing, "plan", staff_touches_the_third)
    claimed, done = routing.route_batch(runtime, limit=5)
    assert (claimed, done) == (5, 4)
    assert AppealRecord.get_by_id(ids[2]).status == "received"
    assert DecisionRecord.select().where(DecisionRecord.appeal == ids[2]).count() == 0
    clock.set(clock() + routing.LEASE)  # on PostgreSQL the batch's lease runs out first
    routing.route_pending(runtime)
    assert AppealRecord.get_by_id(ids[2]).status == "routed"
    assert DecisionRecord.select().where(DecisionRecord.appeal == ids[2]).count() == 1


def test_a_batch_whose_write_fails_is_routed_one_by_one(runtime, monkeypatch):
    ids = receive_corpus(runtime)

    def failing(*_, **__):
        raise RuntimeError("disk full")

    monkeypatch.setattr(routing.routed, "write", failing)
    assert routing.route_pending(runtime) == len(ids)
    for appeal_id in ids:
        assert AppealRecord.get_by_id(appeal_id).status == "routed"
        assert DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).count() == 1
