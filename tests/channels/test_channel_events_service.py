"""The channel events service every messenger webhook calls: an appeal stored with its event id in one
transaction, events that create no appeal remembered once, edits and deletions recorded beside the appeal."""

from __future__ import annotations

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.channel_events import (
    ChannelEvent,
    event_handled,
    receive_from_channel,
    record_channel_event,
    revise_appeal,
)
from engine.store.channel_events import AppealRevisionRecord, ChannelEventRecord
from engine.store.models import AppealRecord, AuditRecord


def comment(runtime, external_id="reply-1_10", text="Во дворе яма") -> IncomingAppeal:
    return IncomingAppeal(channel="vk-gov", external_id=external_id, text=text, received_at=runtime.now(),
                          author=Author(name="Анна", type="citizen"), regime="incident")


def test_an_appeal_and_its_event_are_stored_together_and_a_retry_of_the_event_stores_nothing(runtime):
    event = ChannelEvent("ev-1", "wall_reply_new")

    first = receive_from_channel(runtime, comment(runtime), "{}", event=event)
    again = receive_from_channel(runtime, comment(runtime, external_id="reply-1_11"), "{}", event=event)

    assert first.created and again is None
    assert event_handled("vk-gov", event)
    assert [a.external_id for a in AppealRecord.select()] == ["reply-1_10"]
    assert ChannelEventRecord.select().count() == 1


def test_without_an_event_id_a_repeated_external_id_answers_the_stored_appeal(runtime):
    first = receive_from_channel(runtime, comment(runtime), "{}")
    again = receive_from_channel(runtime, comment(runtime), "{}")

    assert (again.appeal_id, again.created) == (first.appeal_id, False)
    assert not event_handled("vk-gov", None)


def test_an_event_that_creates_no_appeal_is_remembered_once(runtime):
    event = ChannelEvent("ev-2", "group_join")

    assert not event_handled("vk-gov", event)
    assert record_channel_event(runtime, "vk-gov", event) is True
    assert record_channel_event(runtime, "vk-gov", event) is False
    assert event_handled("vk-gov", event) and not event_handled("other-channel", event)


def test_an_edit_is_recorded_beside_the_stored_appeal_whose_text_stays_as_received(runtime):
    appeal_id = receive_from_channel(runtime, comment(runtime), "{}").appeal_id

    revised = revise_appeal(runtime, "vk-gov", "reply-1_10", "edited", text="Во дворе яма, уже две",
                            details={"date": 1}, event=ChannelEvent("ev-3", "wall_reply_edit"))

    assert revised == appeal_id
    assert AppealRecord.get_by_id(appeal_id).text == "Во дворе яма"
    assert [(r.appeal_id, r.kind, r.text, r.details) for r in AppealRevisionRecord.select()] == [
        (appeal_id, "edited", "Во дворе яма, уже две", {"date": 1})]
    assert AuditRecord.select().where(AuditRecord.action == "appeal.edited_in_channel").count() == 1


def test_a_revision_of_an_appeal_never_stored_records_only_its_event(runtime):
    event = ChannelEvent("ev-4", "wall_reply_delete")

    assert revise_appeal(runtime, "vk-gov", "reply-9_99", "deleted", text=None, details={}, event=event) is None

    assert AppealRevisionRecord.select().count() == 0
    assert event_handled("vk-gov", event)


def test_a_retried_revision_event_is_recorded_once(runtime):
    receive_from_channel(runtime, comment(runtime), "{}")
    event = ChannelEvent("ev-5", "wall_reply_delete")

    first = revise_appeal(runtime, "vk-gov", "reply-1_10", "deleted", text=None, details={}, event=event)
    again = revise_appeal(runtime, "vk-gov", "reply-1_10", "deleted", text=None, details={}, event=event)

    assert first is not None and again is None
    assert [r.kind for r in AppealRevisionRecord.select()] == ["deleted"]
