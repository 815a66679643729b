"""The signed generic webhook: answers for good and bad input, and idempotent intake."""

from __future__ import annotations

import pytest

from engine.services import credentials
from engine.store.models import AppealRecord
from tests.support.signing import body_of, signed_headers

SECRET = "s3cret-for-tests"

PIT_IN_BARNAUL = {
    "external_id": "pos-100",
    "text": "На ул. Попова огромные ямы, провал асфальта у дома 105",
    "municipality": "barnaul",
    "category": "roads",
    "fz59": True,
    "regime": "fz59",
    "author": {"name": "Анна Кравцова", "type": "citizen", "contact": "anna@example.ru"},
}


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "portal", "generic", SECRET)
    return "portal"


def post(client, clock, payload, *, secret=SECRET, channel="portal", timestamp=None, raw=None):
    body = raw if raw is not None else body_of(payload)
    ts = int(clock().timestamp()) if timestamp is None else timestamp
    return client.post(f"/webhooks/generic/{channel}", data=body, headers=signed_headers(secret, body, ts))


def test_a_signed_appeal_is_accepted_routed_and_given_a_59fz_deadline(client, clock, channel):
    answer = post(client, clock, PIT_IN_BARNAUL)

    assert answer.status_code == 202
    data = answer.get_json()
    assert data["status"] == "routed"
    assert data["routed_to"]["body"] == "barnaul-roads-committee"
    answer_clock = next(c for c in data["deadlines"] if c["kind"] == "answer")
    # registered Mon 2026-11-30 → +30 days = Wed 2026-12-30, end of day in Barnaul
    assert answer_clock["due"] == "2026-12-30T23:59:59+07:00"


@pytest.mark.both_databases
def test_the_same_external_id_again_returns_the_original_appeal_unchanged(client, clock, channel):
    first = post(client, clock, PIT_IN_BARNAUL).get_json()
    changed = {**PIT_IN_BARNAUL, "text": "совсем другой текст"}

    again = post(client, clock, changed)

    assert again.status_code == 200
    assert again.get_json()["appeal_id"] == first["appeal_id"]
    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(first["appeal_id"]).text == PIT_IN_BARNAUL["text"]


def test_the_raw_payload_is_stored_exactly_as_received(client, clock, channel):
    raw = '{"external_id": "raw-1",   "text": "Мусор не вывозят 😡"}'.encode()
    answer = post(client, clock, None, raw=raw)

    assert answer.status_code == 202
    assert AppealRecord.get_by_id(answer.get_json()["appeal_id"]).raw_payload == raw.decode()


def test_a_missing_signature_is_401_and_stores_nothing(client, channel):
    answer = client.post("/webhooks/generic/portal", data=body_of(PIT_IN_BARNAUL),
                         headers={"Content-Type": "application/json"})

    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "bad_signature"
    assert AppealRecord.select().count() == 0


def test_a_wrong_signature_is_401(client, clock, channel):
    answer = post(client, clock, PIT_IN_BARNAUL, secret="not-the-secret")

    assert answer.status_code == 401
    assert AppealRecord.select().count() == 0


def test_a_timestamp_older_than_five_minutes_is_401(client, clock, channel):
    answer = post(client, clock, PIT_IN_BARNAUL, timestamp=int(clock().timestamp()) - 301)

    assert answer.status_code == 401
    assert "window" in answer.get_json()["error"]["message"]


def test_a_signature_is_checked_before_the_body_is_parsed(client, clock, channel):
    answer = post(client, clock, None, raw=b"{not json", secret="wrong")

    assert answer.status_code == 401


def test_an_unknown_channel_is_404(client, clock, channel):
    answer = post(client, clock, PIT_IN_BARNAUL, channel="nowhere")

    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_channel"


def test_a_body_that_is_not_json_is_400(client, clock, channel):
    answer = post(client, clock, None, raw=b'{"external_id": "x", "text": ')

    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_json"


def test_a_json_array_instead_of_an_object_is_400(client, clock, channel):
    answer = post(client, clock, None, raw=b"[1, 2]")

    assert answer.status_code == 400


def test_invalid_fields_are_422_naming_each_field(client, clock, channel):
    payload = {
        "text": "",
        "author": {"type": "martian"},
        "lat": 123,
        "urgency": "yesterday",
        "colour": "red",
    }

    answer = post(client, clock, payload)

    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"external_id", "text", "author", "lat", "urgency", "colour"}
    assert "type" in fields["author"]
    assert AppealRecord.select().count() == 0


def test_a_body_over_one_mebibyte_is_413(client, clock, channel):
    payload = {"external_id": "big", "text": "я" * 600_000}

    answer = post(client, clock, payload)

    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "request_entity_too_large"
    assert AppealRecord.select().count() == 0


def test_a_received_at_without_offset_is_rejected(client, clock, channel):
    answer = post(client, clock, {**PIT_IN_BARNAUL, "received_at": "2026-11-30T10:00:00"})

    assert answer.status_code == 422
    assert "received_at" in answer.get_json()["error"]["fields"]


def test_a_rotated_secret_keeps_the_old_one_working_for_a_day(client, clock, channel, runtime):
    new_secret = credentials.rotate_channel_secret(runtime.now(), "portal")

    assert post(client, clock, {**PIT_IN_BARNAUL, "external_id": "a"}, secret=SECRET).status_code == 202
    assert post(client, clock, {**PIT_IN_BARNAUL, "external_id": "b"}, secret=new_secret).status_code == 202


@pytest.mark.both_databases
def test_a_nul_character_in_the_text_is_dropped_rather_than_failing_the_database(client, clock, channel):
    answer = post(client, clock, {**PIT_IN_BARNAUL, "text": "Яма\u0000 на дороге"})

    assert answer.status_code == 202
    assert AppealRecord.get_by_id(answer.get_json()["appeal_id"]).text == "Яма на дороге"


def test_a_secret_rotated_a_moment_ago_is_accepted_at_once_and_the_old_one_still_works(client, clock, channel, runtime):
    assert post(client, clock, PIT_IN_BARNAUL).status_code == 202  # the app now keeps the channel's row
    new_secret = credentials.rotate_channel_secret(runtime.now(), "portal")

    fresh = post(client, clock, {**PIT_IN_BARNAUL, "external_id": "pos-101"}, secret=new_secret)
    old = post(client, clock, {**PIT_IN_BARNAUL, "external_id": "pos-102"})  # within the grace period
    wrong = post(client, clock, {**PIT_IN_BARNAUL, "external_id": "pos-103"}, secret="not-the-secret")

    assert (fresh.status_code, old.status_code, wrong.status_code) == (202, 202, 401)
    assert AppealRecord.select().count() == 3


def test_a_channel_added_after_a_request_for_its_name_is_found_at_once(client, clock, runtime):
    assert post(client, clock, PIT_IN_BARNAUL, channel="late").status_code == 404
    credentials.add_channel(runtime.now(), "late", "generic", SECRET)

    assert post(client, clock, PIT_IN_BARNAUL, channel="late").status_code == 202
