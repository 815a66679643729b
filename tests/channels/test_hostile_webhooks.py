"""Hostile bodies and headers at every webhook kind: each reproduced case is a clear 4xx JSON error
(Open311's own error list on /open311/), and nothing is written."""

from __future__ import annotations

import json

import pytest

from engine.services import credentials
from engine.store.channel_events import ChannelEventRecord
from engine.store.models import AppealRecord
from tests.support import vk_callback
from tests.support.open311 import API_KEY, PIT
from tests.support.signing import body_of, signed_headers

pytestmark = pytest.mark.both_databases

SECRET = "hostile-secret"
TG_SECRET = "tg-hostile-secret"
DEEP = b"[" * 10_000 + b"]" * 10_000
HUGE_INT = b"1" * 4_400


@pytest.fixture
def channels(runtime):
    now = runtime.now()
    credentials.add_channel(now, "portal", "generic", SECRET)
    credentials.add_channel(now, "gov-vk", "vk", vk_callback.SECRET, confirmation="c0nf",
                            group_id=vk_callback.GROUP)
    credentials.add_channel(now, "bot", "telegram", TG_SECRET)
    credentials.add_channel(now, "city-app", "open311", API_KEY)


def generic(client, clock, raw: bytes, **headers):
    ts = int(clock().timestamp())
    return client.post("/webhooks/generic/portal", data=raw, headers={**signed_headers(SECRET, raw, ts), **headers})


def appeal_text(text: str) -> dict:
    return {"external_id": "x-1", "text": text, "municipality": "barnaul"}


def nothing_written():
    assert AppealRecord.select().count() == 0
    assert ChannelEventRecord.select().count() == 0


def refused(answer, status=400):
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.is_json
    return answer.get_json()


# --- item 2: a huge timestamp before the signature is checked -----------------------------------------------

@pytest.mark.parametrize("stamp", ["9" * 400, "-" + "9" * 400, "1e9", "nan", " 17", "１７"])
def test_a_timestamp_that_is_not_unix_seconds_is_401_json_before_anything_else(client, channels, stamp):
    answer = client.post("/webhooks/generic/portal", data=b"{}", headers={
        "Content-Type": "application/json", "X-Appeals-Timestamp": stamp, "X-Appeals-Signature": "sha256=00"})

    assert refused(answer, 401)["error"]["code"] == "bad_signature"
    nothing_written()


# --- item 3: depth, lone surrogates, huge integers, at every webhook kind ----------------------------------

HOSTILE = {
    "nested 10,000 deep": b'{"a": ' + DEEP + b"}",
    "a lone surrogate": b'{"external_id": "x-1", "text": "\\ud800 yama", "municipality": "barnaul"}',
    "a lone low surrogate in a key": b'{"\\udfff": 1, "external_id": "x-1", "text": "yama"}',
    "an integer of 4,400 digits": b'{"external_id": "x-1", "text": "yama", "n": ' + HUGE_INT + b"}",
    "an integer beyond 64 bits": b'{"external_id": "x-1", "text": "yama", "n": 18446744073709551617}',
    "NaN": b'{"external_id": "x-1", "text": "yama", "lat": NaN}',
    "Infinity": b'{"external_id": "x-1", "text": "yama", "lat": -Infinity}',
    "a number that overflows to infinity": b'{"external_id": "x-1", "text": "yama", "lat": 1e400}',
}


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_at_the_generic_webhook_is_400(client, clock, channels, raw):
    assert refused(generic(client, clock, raw))["error"]["code"] == "bad_json"
    nothing_written()


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_at_the_vk_webhook_is_400(client, channels, raw):
    # the secret travels in the body, so the body is read first: with the one bounded reader
    answer = client.post("/webhooks/vk/gov-vk", data=raw[:-1] + b', "secret": "' + vk_callback.SECRET.encode() + b'"}',
                         content_type="application/json")

    assert refused(answer)["error"]["code"] == "bad_json"
    nothing_written()


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_at_the_telegram_webhook_is_400(client, channels, raw):
    answer = client.post("/webhooks/telegram/bot", data=raw, content_type="application/json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})

    assert refused(answer)["error"]["code"] == "bad_json"
    nothing_written()


def test_telegram_checks_its_secret_before_it_reads_a_hostile_body(client, channels):
    answer = client.post("/webhooks/telegram/bot", data=HOSTILE["nested 10,000 deep"], content_type="application/json",
                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})

    assert refused(answer, 401)["error"]["code"] == "bad_secret"


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_at_open311_is_an_open311_400(client, channels, raw):
    answer = client.post("/open311/v2/requests.json", data=raw[:-1] + b', "api_key": "' + API_KEY.encode() + b'"}',
                         content_type="application/json")

    [error] = refused(answer)
    assert error["code"] == 400 and "JSON" in error["description"]
    nothing_written()


# --- item 4: whitespace text, received_at out of range, Open311 attributes ---------------------------------

@pytest.mark.parametrize("text", [" ", "\n\t  \u00a0", "\u200b\u3000"])
def test_a_whitespace_only_text_is_422_naming_the_field(client, clock, channels, text):
    error = refused(generic(client, clock, body_of(appeal_text(text))), 422)["error"]

    assert "text" in error["fields"]
    nothing_written()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00",
                                    "1999-12-31T23:59:59+07:00", "2026-12-02T10:00:00+07:00"])
def test_a_received_at_outside_the_accepted_range_is_422(client, clock, channels, moment):
    # the test clock is Monday 30.11.2026 10:00 in Barnaul: a day ahead is the future
    error = refused(generic(client, clock, body_of({**appeal_text("Яма на дороге"), "received_at": moment})),
                    422)["error"]

    assert "received_at" in error["fields"]
    nothing_written()


def test_a_received_at_a_year_back_is_accepted(client, clock, channels):
    year_back = {**appeal_text("Яма на дороге"), "received_at": "2025-12-01T10:00:00+07:00"}

    answer = generic(client, clock, body_of(year_back))

    assert answer.status_code == 202, answer.get_data(as_text=True)


@pytest.mark.parametrize("extra, named", [
    ({"attribute[depth]": "30"}, "attribute[depth]"),
    ({"attribute[subtopic][x]": "water"}, "attribute[subtopic][x]"),
    ({"attribute[]": "1"}, "attribute[]"),
    ({"attribute[a]b": "1"}, "attribute[a]b"),
])
def test_open311_refuses_attributes_the_service_does_not_define_or_nests(client, channels, extra, named):
    answer = client.post("/open311/v2/requests.json", data={**PIT, **extra})

    [error] = refused(answer)
    assert named in error["description"]
    nothing_written()


def test_open311_json_refuses_a_nested_attribute_value(client, channels):
    answer = client.post("/open311/v2/requests.json", json={**PIT, "attribute": {"depth": {"cm": 30}}})

    [error] = refused(answer)
    assert "attribute[depth]" in error["description"]
    nothing_written()


def test_open311_reads_json_with_the_same_reader_as_every_webhook(client, channels):
    answer = client.post("/open311/v2/requests.json", data=json.dumps(PIT).encode()[:-1] + b", " * 1 + b'"x": [[[[',
                         content_type="application/json")

    [error] = refused(answer)
    assert "JSON" in error["description"]

