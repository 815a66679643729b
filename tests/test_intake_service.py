"""Store first, then process: a failure in routing never loses an accepted appeal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.jobs import run_job
from engine.services.intake import receive_appeal, route_appeal
from engine.services.routing import route_pending
from engine.store.models import AppealRecord, AuditRecord, ClockRecord, DecisionRecord, EscalationRecord

pytestmark = pytest.mark.both_databases


class FlakyPolicy:
    """The real policy set, except that deciding fails while `broken` is set."""

    def __init__(self, real):
        self.real = real
        self.broken = True

    def decide(self, incoming, **kwargs):
        if self.broken:
            raise RuntimeError("rules engine unavailable")
        return self.real.decide(incoming, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def appeal(clock, external_id="x-1") -> IncomingAppeal:
    return IncomingAppeal(channel="portal", external_id=external_id, text="Не вывозят мусор, контейнеры переполнены",
                          received_at=clock(), author=Author(name="Иван", type="citizen"), municipality="biysk",
                          regime="fz59", fz59=True)


def test_an_appeal_whose_routing_fails_stays_received_and_is_routed_by_the_retry_job(runtime, clock):
    flaky = FlakyPolicy(runtime.policy_set)
    runtime.policy_set = flaky
    received = receive_appeal(runtime, appeal(clock), '{"raw": true}', actor="test")

    assert route_appeal(runtime, received.appeal_id) is False
    stored = AppealRecord.get_by_id(received.appeal_id)
    assert stored.status == "received"
    assert stored.routing_attempts == 1
    assert "rules engine unavailable" in stored.last_error
    assert DecisionRecord.select().count() == 0 and ClockRecord.select().count() == 0

    flaky.broken = False
    assert route_pending(runtime) == 0  # not before its retry time
    clock.set(clock() + timedelta(minutes=2))
    assert run_job(runtime, "route") == 1

    stored = AppealRecord.get_by_id(received.appeal_id)
    assert stored.status == "routed" and stored.body == "min-nature-waste"
    assert ClockRecord.select().count() >= 1


def test_receiving_the_same_appeal_twice_stores_it_once(runtime, clock):
    first = receive_appeal(runtime, appeal(clock), "{}", actor="test")
    second = receive_appeal(runtime, appeal(clock), "{}", actor="test")

    assert first.created and not second.created
    assert first.appeal_id == second.appeal_id
    assert AppealRecord.select().count() == 1


def test_routing_writes_decision_assignment_clocks_escalation_and_audit(runtime, clock):
    received = receive_appeal(runtime, appeal(clock), "{}", actor="channel:portal")
    route_appeal(runtime, received.appeal_id)

    decision = DecisionRecord.get()
    assert decision.ruleset_version == runtime.policy_set.rulebook.version
    assert decision.route_rule_id in decision.rule_ids
    kinds = {c.kind: c for c in ClockRecord.select()}
    assert kinds["registration"].stopped_at is not None
    assert kinds["answer"].stopped_at is None
    assert kinds["answer"].policy_version and kinds["answer"].calendar_version
    assert EscalationRecord.select().where(EscalationRecord.next_check_at.is_null(False)).count() >= 1
    actions = [a.action for a in AuditRecord.select().order_by(AuditRecord.id)]
    assert actions[:2] == ["appeal.received", "appeal.routed"]


def test_processing_an_already_routed_appeal_changes_nothing(runtime, clock):
    received = receive_appeal(runtime, appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)

    assert route_appeal(runtime, received.appeal_id) is False
    assert DecisionRecord.select().count() == 1


def test_naive_datetimes_are_refused_by_the_store(runtime, clock):
    bad = IncomingAppeal(channel="p", external_id="n", text="t", received_at=datetime(2026, 11, 30, 10, 0))
    with pytest.raises(ValueError, match="naive"):
        receive_appeal(runtime, bad, "{}", actor="test")
