"""The Open311 service behind /open311/v2: a request stored once per idempotency key, requests found
only among open311 channels' appeals, and the list by state."""

from __future__ import annotations

import dataclasses

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import credentials, open311
from engine.store.models import AppealRecord
from tests.support.staff import routed


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "city-app", "open311", "open311-key-for-tests")
    return "city-app"


def pit_request(runtime, channel, key="o311-key-abc") -> IncomingAppeal:
    return IncomingAppeal(channel=channel, external_id=key, text="Огромная яма на проезжей части",
                          received_at=runtime.now(), author=Author(name=None, type="anonymous"),
                          address="Барнаул, ул. Попова, 105", category="roads", regime="other")


def test_the_channel_is_found_by_its_api_key_and_no_other_secret(runtime, channel):
    credentials.add_channel(runtime.now(), "portal-hook", "generic", "generic-secret")

    assert credentials.channel_for_secret("open311", "open311-key-for-tests", runtime.now()) == channel
    assert credentials.channel_for_secret("open311", "generic-secret", runtime.now()) is None
    assert credentials.channel_for_secret("open311", "", runtime.now()) is None


def test_a_request_retried_with_its_key_is_stored_once(runtime, channel):
    first = open311.receive_request(runtime, pit_request(runtime, channel), '{"description": "яма"}')
    again = open311.receive_request(runtime, pit_request(runtime, channel), '{"description": "яма"}')

    assert first.created and not again.created and again.appeal_id == first.appeal_id
    assert AppealRecord.select().count() == 1


def test_a_key_reused_for_a_different_request_is_refused_and_stores_nothing(runtime, channel):
    open311.receive_request(runtime, pit_request(runtime, channel), '{"description": "яма"}')
    other = dataclasses.replace(pit_request(runtime, channel), text="Свалка у гаражей")

    with pytest.raises(open311.IdempotencyKeyReused):
        open311.receive_request(runtime, other, '{"description": "свалка"}')

    assert [a.text for a in AppealRecord.select()] == ["Огромная яма на проезжей части"]


def test_a_request_is_found_only_among_appeals_of_open311_channels(runtime, channel):
    request_id = open311.receive_request(runtime, pit_request(runtime, channel), "{}").appeal_id
    portal_appeal = routed(runtime)  # channel "portal": not an Open311 request

    appeal, clocks = open311.find_request(request_id)
    assert appeal.id == request_id and [c.kind for c in clocks] != []
    assert open311.find_request(portal_appeal) is None
    assert open311.find_request(request_id + 1000) is None


def test_the_list_holds_open311_requests_by_state(runtime, channel):
    open_id = open311.receive_request(runtime, pit_request(runtime, channel), "{}").appeal_id
    closed_id = open311.receive_request(runtime, pit_request(runtime, channel, key="o311-key-def"), "{}").appeal_id
    AppealRecord.update(status="closed").where(AppealRecord.id == closed_id).execute()
    routed(runtime)

    def listed(**query):
        return [a.id for a, _ in open311.list_requests(**{"ids": None, "categories": None, "start": None,
                                                           "end": None, "closed": None, "limit": 10, **query})]

    assert sorted(listed()) == sorted([open_id, closed_id])
    assert listed(closed=True) == [closed_id]
    assert listed(closed=False) == [open_id]
    assert listed(ids=[closed_id]) == [closed_id]
    assert open311.is_closed("closed") and not open311.is_closed("routed")
