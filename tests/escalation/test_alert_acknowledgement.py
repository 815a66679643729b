"""Acknowledging an alert, the one service behind the API and the dashboard: the first acknowledgement
is kept and audited once, a repeat changes nothing, and an alert the caller may not see stays as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import inbox
from engine.services.access import Caller
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, AuditRecord
from tests.escalation.test_escalation_and_delivery import at, pit_appeal

ROADS_OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads", body="barnaul-roads-committee",
                        origin="192.0.2.10")
HEALTH_OFFICIAL = Caller(token_id=None, role="official", label=None, user="health", body="min-health")
CENTRE_MANAGER = Caller(token_id=7, role="manager", label=None)


@pytest.fixture
def breach_alert(runtime, clock) -> AlertRecord:
    """The pending breach alert to the head of the Barnaul roads committee (gromov-ka)."""
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))
    sweep(runtime)
    return AlertRecord.get((AlertRecord.level == "breach") & (AlertRecord.recipient == "gromov-ka"))


def acknowledgements(alert_id: int) -> list[AuditRecord]:
    return [a for a in AuditRecord.select().where(AuditRecord.action == "alert.acknowledged").order_by(AuditRecord.id)
            if a.details.get("alert") == alert_id]


def test_an_official_acknowledges_an_alert_about_their_body_once(runtime, clock, breach_alert):
    alert = inbox.acknowledge_alert(runtime, ROADS_OFFICIAL, breach_alert.id)

    assert alert.acknowledged_at == clock()
    [audit] = acknowledgements(breach_alert.id)
    assert (audit.actor, audit.appeal_id, audit.at) == ("user:roads", breach_alert.appeal_id, clock())
    assert audit.details == {"alert": breach_alert.id, "level": "breach", "origin": "192.0.2.10"}


def test_acknowledging_an_alert_again_keeps_the_first_acknowledgement_and_audits_nothing_more(
        runtime, clock, breach_alert):
    first = inbox.acknowledge_alert(runtime, ROADS_OFFICIAL, breach_alert.id).acknowledged_at
    clock.set(clock() + timedelta(hours=2))

    again = inbox.acknowledge_alert(runtime, CENTRE_MANAGER, breach_alert.id)

    assert again.acknowledged_at == first != clock()
    assert [a.actor for a in acknowledgements(breach_alert.id)] == ["user:roads"]


def test_an_official_of_another_body_cannot_acknowledge_the_alert_and_learns_nothing_of_it(runtime, breach_alert):
    with pytest.raises(inbox.AlertNotFound):
        inbox.acknowledge_alert(runtime, HEALTH_OFFICIAL, breach_alert.id)

    assert AlertRecord.get_by_id(breach_alert.id).acknowledged_at is None
    assert acknowledgements(breach_alert.id) == []
    with pytest.raises(inbox.AlertNotFound):
        inbox.find_alert(runtime, HEALTH_OFFICIAL, breach_alert.id)


def test_the_official_an_alert_is_addressed_to_may_acknowledge_it_from_another_body(runtime, breach_alert):
    recipient = Caller(token_id=None, role="official", label=None, user="gromov", body="min-health",
                       official_id="gromov-ka")

    assert inbox.acknowledge_alert(runtime, recipient, breach_alert.id).acknowledged_at is not None
    assert [a.actor for a in acknowledgements(breach_alert.id)] == ["user:gromov"]


def test_an_unknown_alert_is_not_found(runtime, breach_alert):
    with pytest.raises(inbox.AlertNotFound):
        inbox.acknowledge_alert(runtime, CENTRE_MANAGER, breach_alert.id + 1000)


def test_the_inbox_holds_unacknowledged_alerts_of_the_callers_bodies_and_no_superseded_ones(runtime, breach_alert):
    everything = inbox.alert_inbox(None)
    assert breach_alert.id in [a.id for a in everything]
    assert all(a.status != "superseded" and a.acknowledged_at is None for a in everything)
    assert inbox.alert_inbox(frozenset({"min-health"})) == []

    inbox.acknowledge_alert(runtime, CENTRE_MANAGER, breach_alert.id)

    assert breach_alert.id not in [a.id for a in inbox.alert_inbox(None)]


def test_listing_alerts_keeps_to_the_callers_scope(runtime, breach_alert):
    roads = inbox.list_alerts(runtime, ROADS_OFFICIAL)

    assert breach_alert.id in [a.id for a in roads]
    assert inbox.list_alerts(runtime, HEALTH_OFFICIAL) == []
    assert [a.id for a in inbox.list_alerts(runtime, CENTRE_MANAGER, recipient="gromov-ka", status="pending")] == [
        breach_alert.id]
