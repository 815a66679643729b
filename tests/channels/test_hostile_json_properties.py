"""Generated hostile JSON at every webhook kind (generic, VK, Telegram, Open311 JSON): nesting thousands
deep, bodies over the size limit, unicode with lone surrogates, integers of thousands of digits, NaN and
numbers that overflow. Each answer is a 4xx JSON error or an acceptance, never a 5xx, and no appeal is
ever half-written; a refused request stores nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.services import credentials
from engine.store.models import AppealRecord
from tests.channels.test_channel_properties import assert_no_half_written_appeal
from tests.support.signing import signed_headers

pytestmark = pytest.mark.both_databases

SECRET = "hostile-prop-secret"
HOSTILE = settings(max_examples=40, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])

plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
).map(lambda v: json.dumps(v, ensure_ascii=False))
surrogate = st.builds(lambda before, code, after: json.dumps(before)[:-1] + f"\\u{code:04x}" + json.dumps(after)[1:],
                      st.text(max_size=10), st.integers(0xD800, 0xDFFF), st.text(max_size=10))
huge_int = st.builds(lambda sign, n: sign + "9" * n, st.sampled_from(["", "-"]), st.integers(19, 6000))
odd_number = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999", "1e-400", "0.0", "-0"])
long_text = st.integers(1, 700_000).map(lambda n: json.dumps("я" * n, ensure_ascii=False))  # past 1 MiB: 413
leaf = plain | surrogate | huge_int | odd_number | st.just('"Яма на дороге у дома 5"')


@st.composite
def fragment(draw) -> str:
    """A JSON value as text, possibly buried deep in arrays or objects."""
    inner = draw(leaf | long_text) if draw(st.integers(0, 9)) == 0 else draw(leaf)
    depth = draw(st.sampled_from([0, 0, 0, 1, 3, 63, 64, 65, 200, 999, 1000, 5000, 20_000]))
    if draw(st.booleans()):
        return "[" * depth + inner + "]" * depth
    return '{"a":' * depth + inner + "}" * depth


def envelope(template: str):
    """Bodies of one kind: its usual fields, with hostile values in the slots marked §."""
    pieces = template.split("§")

    def fill(values: list[str]) -> bytes:
        text = pieces[0] + "".join(value + piece for value, piece in zip(values, pieces[1:], strict=True))
        return text.encode("utf-8", "surrogatepass")

    return st.lists(fragment() | st.just('"Яма на дороге у дома 5"'), min_size=len(pieces) - 1,
                    max_size=len(pieces) - 1).map(fill)


GENERIC = envelope('{"external_id": "p-1", "text": §, "municipality": "barnaul", "address": §}')
VK = envelope('{"type": "wall_reply_new", "group_id": 218000111, "event_id": "e1", "secret": "' + SECRET
              + '", "object": {"id": 4051, "from_id": §, "owner_id": -218000111, "post_id": 812, '
              '"date": §, "text": §}}')
TELEGRAM = envelope('{"update_id": §, "message": {"message_id": 7, "date": 1764471000, '
                    '"chat": {"id": 5, "type": "private"}, "from": {"id": 5, "first_name": "Анна"}, "text": §}}')
OPEN311 = envelope('{"api_key": "' + SECRET + '", "service_code": "roads", "address_string": §, '
                   '"description": §, "lat": §, "long": 83.7}')
RAW_DEEP = st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"[" * 10_000 + b"]" * 10_000,
                            b'"\\ud800"', b"9" * 5000, b"\xed\xa0\x80", b"\xff\xfe{}"])


@pytest.fixture
def channels(runtime):
    now = runtime.now()
    credentials.add_channel(now, "portal", "generic", SECRET)
    credentials.add_channel(now, "gov-vk", "vk", SECRET, confirmation="c0nf")
    credentials.add_channel(now, "bot", "telegram", SECRET)
    credentials.add_channel(now, "city-app", "open311", SECRET)


def check(answer, appeals_before: int) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)[:300]
    if answer.status_code >= 400:
        assert answer.is_json, answer.get_data(as_text=True)[:300]
        assert isinstance(answer.get_json(), dict | list)
        assert AppealRecord.select().count() == appeals_before
    assert_no_half_written_appeal()


@HOSTILE
@given(raw=GENERIC | RAW_DEEP)
def test_hostile_json_at_the_generic_webhook(client, clock, channels, raw):
    before = AppealRecord.select().count()
    headers = signed_headers(SECRET, raw, int(clock().timestamp()))
    check(client.post("/webhooks/generic/portal", data=raw, headers=headers), before)


@HOSTILE
@given(raw=VK | RAW_DEEP)
def test_hostile_json_at_the_vk_webhook(client, channels, raw):
    before = AppealRecord.select().count()
    check(client.post("/webhooks/vk/gov-vk", data=raw, content_type="application/json"), before)


@HOSTILE
@given(raw=TELEGRAM | RAW_DEEP)
def test_hostile_json_at_the_telegram_webhook(client, channels, raw):
    before = AppealRecord.select().count()
    check(client.post("/webhooks/telegram/bot", data=raw, content_type="application/json",
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}), before)


@HOSTILE
@given(raw=OPEN311 | RAW_DEEP)
def test_hostile_json_at_open311(client, channels, raw):
    before = AppealRecord.select().count()
    check(client.post("/open311/v2/requests.json", data=raw, content_type="application/json"), before)
