"""Whatever a channel posts, the answer is never a 500 and no appeal is ever stored half-written."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.services import credentials
from engine.store.models import AppealRecord, ClockRecord, DecisionRecord

pytestmark = pytest.mark.both_databases

SECRET = "prop-secret"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
TEXTS = st.text(max_size=200) | st.sampled_from(["Яма на дороге в Бийске 🚧", "", " ", "\u0000", "я" * 5000])
VK_OBJECT = st.fixed_dictionaries({
    "id": st.integers(-5, 10**12) | st.text(max_size=5), "from_id": st.integers(-(10**9), 10**9) | st.none(),
    "owner_id": st.integers(-(10**9), 10**9), "post_id": st.integers(0, 10**9) | st.none(),
    "date": st.integers(-(2**40), 2**40) | st.text(max_size=5), "text": TEXTS,
    "attachments": st.lists(json_values, max_size=3),
})
VK_EVENT = st.fixed_dictionaries({
    "type": st.sampled_from(["wall_reply_new", "wall_reply_edit", "wall_reply_delete", "message_new",
                             "wall_post_new", "board_post_new", "photo_comment_new", "confirmation", "lol"]),
    "object": VK_OBJECT | json_values, "group_id": st.integers(-(2**31), 2**31) | st.none(),
    "event_id": st.text(max_size=10) | st.integers(), "secret": st.just(SECRET),
})
TG_MESSAGE = st.fixed_dictionaries({
    "message_id": st.integers(-5, 2**40), "date": st.integers(-(2**40), 2**40),
    "chat": st.fixed_dictionaries({"id": st.integers(), "type": st.text(max_size=8)}) | json_values,
    "from": st.fixed_dictionaries({"id": st.integers(), "is_bot": st.booleans(), "first_name": st.text(max_size=9)}),
    "text": TEXTS | st.none(), "location": json_values,
})
TG_UPDATE = st.fixed_dictionaries({"update_id": st.integers(-5, 2**62) | st.text(max_size=4)}, optional={
    "message": TG_MESSAGE | json_values, "edited_message": TG_MESSAGE, "channel_post": TG_MESSAGE,
})
RAW = st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def channels(runtime):
    for name, kind in (("vk-prop", "vk"), ("tg-prop", "telegram"), ("o311-prop", "open311")):
        credentials.add_channel(runtime.now(), name, kind, SECRET, confirmation="c0nf")


def assert_no_half_written_appeal():
    for appeal in AppealRecord.select():
        assert appeal.status in ("received", "routed") and appeal.text is not None and appeal.received_at
        if appeal.status == "routed":
            assert DecisionRecord.select().where(DecisionRecord.appeal == appeal.id).exists()
            assert ClockRecord.select().where(ClockRecord.appeal == appeal.id).exists()


def body(value) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()


@PROPERTY
@given(payload=VK_EVENT | RAW)
def test_random_vk_bodies_never_cause_a_500_or_a_half_written_appeal(client, channels, payload):
    answer = client.post("/webhooks/vk/vk-prop", data=body(payload), content_type="application/json")

    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert_no_half_written_appeal()


@PROPERTY
@given(payload=TG_UPDATE | RAW)
def test_random_telegram_bodies_never_cause_a_500_or_a_half_written_appeal(client, channels, payload):
    answer = client.post("/webhooks/telegram/tg-prop", data=body(payload), content_type="application/json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert_no_half_written_appeal()


@PROPERTY
@given(form=st.dictionaries(st.sampled_from(["service_code", "lat", "long", "description", "email", "media_url",
                                              "address_string", "jurisdiction_id", "first_name", "attribute[x]"]),
                            st.text(max_size=40), max_size=8),
       code=st.sampled_from(["roads", "waste", "nope"]), as_json=st.booleans())
def test_random_open311_requests_never_cause_a_500_or_a_half_written_appeal(client, channels, form, code, as_json):
    data = {"api_key": SECRET, "service_code": code, **form}
    if as_json:
        answer = client.post("/open311/v2/requests.json", json=data)
    else:
        answer = client.post("/open311/v2/requests.json", data=data)

    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert_no_half_written_appeal()
