"""Channel-supplied event ids are stored whatever they contain, and still de-duplicate."""

from __future__ import annotations

import pytest

from engine.store import channel_events

pytestmark = pytest.mark.both_databases


def test_an_event_id_with_a_nul_byte_or_of_any_length_is_remembered_once(runtime):
    for key in ("abc\x00def", "я" * 500):
        assert not channel_events.event_seen("vk-test", key)
        channel_events.record_event("vk-test", key, "wall_reply_new\x00", runtime.now())
        assert channel_events.event_seen("vk-test", key)


def test_two_long_ids_sharing_a_prefix_stay_distinct(runtime):
    first, second = "x" * 300 + "1", "x" * 300 + "2"
    channel_events.record_event("vk-test", first, "message_new", runtime.now())

    assert not channel_events.event_seen("vk-test", second)
