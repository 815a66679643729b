"""Finding appeals keeps to the caller's scope: one appeal, the list with its cursor, the queue,
and the manager's overview."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import appeal_queries
from engine.services.access import Caller
from engine.services.overview import manager_overview
from engine.wording.labels import LABELS
from tests.support.staff import routed

ROADS_OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads", body="barnaul-roads-committee")
HEALTH_OFFICIAL = Caller(token_id=None, role="official", label=None, user="health", body="min-health")
HEALTH_MANAGER = Caller(token_id=None, role="manager", label=None, user="hm", sector="health")
CENTRE_MANAGER = Caller(token_id=None, role="manager", label=None, user="cm")


def test_an_appeal_outside_the_callers_scope_is_not_found(runtime):
    appeal_id = routed(runtime)

    assert appeal_queries.visible_appeal(runtime, ROADS_OFFICIAL, appeal_id).id == appeal_id
    with pytest.raises(appeal_queries.AppealNotFound):
        appeal_queries.visible_appeal(runtime, HEALTH_OFFICIAL, appeal_id)
    with pytest.raises(appeal_queries.AppealNotFound):
        appeal_queries.visible_appeal(runtime, CENTRE_MANAGER, appeal_id + 1000)


def test_the_list_pages_newest_first_within_the_scope(runtime):
    ids = [routed(runtime, external_id=f"pos-{n}") for n in range(3)]

    first, cursor = appeal_queries.appeal_list(runtime, CENTRE_MANAGER, filters={}, limit=2)
    rest, last = appeal_queries.appeal_list(runtime, CENTRE_MANAGER, filters={}, after_id=cursor, limit=2)

    assert [a.id for a in first] == ids[:0:-1] and cursor == ids[1]
    assert [a.id for a in rest] == [ids[0]] and last is None
    assert appeal_queries.appeal_list(runtime, HEALTH_OFFICIAL, filters={}) == ([], None)
    assert appeal_queries.appeal_list(runtime, CENTRE_MANAGER, filters={"body": "min-health"}) == ([], None)


def test_the_list_filters_by_deadline_state(runtime, clock):
    appeal_id = routed(runtime)

    assert appeal_queries.appeal_list(runtime, CENTRE_MANAGER, filters={}, overdue=True)[0] == []
    clock.set(clock() + timedelta(days=40))
    assert [a.id for a in appeal_queries.appeal_list(runtime, CENTRE_MANAGER, filters={}, overdue=True)[0]] == [
        appeal_id]


def test_the_queue_lists_open_appeals_with_their_nearest_due_time(runtime):
    appeal_id = routed(runtime)

    [(record, due)] = appeal_queries.appeal_queue(runtime, ROADS_OFFICIAL)

    assert record.id == appeal_id and due is not None and due > runtime.now()
    assert appeal_queries.appeal_queue(runtime, HEALTH_OFFICIAL) == []


def test_the_latest_decision_names_the_body_and_the_rule(runtime):
    appeal_id = routed(runtime)

    decision = appeal_queries.latest_decision(appeal_id, LABELS)

    assert decision["body"] == "barnaul-roads-committee" and decision["rule"]
    assert appeal_queries.latest_decision(appeal_id + 1000, LABELS) is None


def test_the_overview_of_a_sector_manager_counts_only_their_sectors_bodies(runtime, clock):
    routed(runtime)
    clock.set(clock() + timedelta(days=40))

    centre = manager_overview(runtime, CENTRE_MANAGER)
    health = manager_overview(runtime, HEALTH_MANAGER)

    assert centre["counts"] == {"routed": 1} and [a.body for a in centre["overdue"]] == ["barnaul-roads-committee"]
    assert [r["body"] for r in centre["sla"]] == ["barnaul-roads-committee"]
    assert centre["sla"][0]["share"] == 0 and centre["sla"][0]["open_overdue"] == 1
    assert (health["counts"], health["overdue"], health["sla"], health["alerts"]) == ({}, [], [], [])
