"""Hotline, generic and Open311 appeals are keyed by the author's normalised phone number or e-mail, so the
same person's repeats are found across channels as they are for VK and Telegram; their phone numbers and
e-mail addresses never reach the logs."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest

from engine.services import credentials
from engine.services.importing import import_csv
from engine.store.models import AppealRecord
from tests.support.open311 import API_KEY, PIT
from tests.support.signing import body_of, signed_headers

PHONE_DIGITS = ("9130000000", "913 000", "913) 000", "913-000")
HEADER = "external_id,received_at,text,author_name,author_contact,municipality,category\n"
PORTAL_SECRET = "s3cret-for-tests"


@pytest.fixture
def channels(runtime):
    now = runtime.now()
    credentials.add_channel(now, "hotline", "generic")
    credentials.add_channel(now, "portal", "generic", PORTAL_SECRET)
    credentials.add_channel(now, "city-app", "open311", API_KEY)


def post_generic(client, clock, payload):
    body = body_of(payload)
    return client.post("/webhooks/generic/portal", data=body,
                       headers=signed_headers(PORTAL_SECRET, body, int(clock().timestamp())))


def hotline_call(runtime, clock, external_id: str, contact: str, text="Яма на дороге на ул. Попова, провал асфальта"):
    received = (clock() - timedelta(hours=1)).isoformat()
    row = f'{external_id},{received},"{text}",Анна Кравцова,"{contact}",barnaul,roads\n'
    report = import_csv(runtime, io.StringIO(HEADER + row, newline=""), channel="hotline")
    assert report.imported == 1, report.errors
    return AppealRecord.get(AppealRecord.external_id == external_id)


def test_the_same_phone_written_three_ways_on_three_channels_is_one_author(runtime, clock, client, channels):
    first = hotline_call(runtime, clock, "hl-1", "8 (913) 0000000")
    assert first.author_id == "phone:+79130000000"

    clock.set(clock() + timedelta(hours=2))
    answer = client.post("/open311/v2/requests.json", data={**PIT, "phone": "+7 913 000-00-00"})
    assert answer.status_code == 201
    clock.set(clock() + timedelta(hours=2))
    answer = post_generic(client, clock, {"external_id": "pos-7", "text": "Яма на ул. Попова так и не заделана",
                                          "municipality": "barnaul", "category": "roads",
                                          "author": {"name": "Анна Кравцова", "contact": "79130000000"}})
    assert answer.status_code == 202

    open311, generic = AppealRecord.select().where(AppealRecord.id != first.id).order_by(AppealRecord.id)
    assert open311.author_id == generic.author_id == "phone:+79130000000"  # the phone wins over the e-mail
    assert open311.repeat_of == first.id and generic.repeat_of == first.id


def test_an_email_author_is_keyed_by_the_address_lower_cased(runtime, clock, client, channels):
    answer = post_generic(client, clock, {"external_id": "pos-8", "text": "Мусор не вывозят неделю",
                                          "author": {"contact": "  Anna@Example.RU "}})

    assert answer.status_code == 202
    assert AppealRecord.get().author_id == "email:anna@example.ru"


def test_a_hotline_contact_that_is_neither_phone_nor_email_still_finds_repeats(runtime, clock, channels):
    first = hotline_call(runtime, clock, "hl-1", "ул. Ленина, 5, кв. 3")
    second = hotline_call(runtime, clock, "hl-2", "ул. Ленина, 5, кв. 3", text="Яма на ул. Попова всё ещё там")

    assert first.author_id == second.author_id == "contact:ул. ленина, 5, кв. 3"
    assert second.repeat_of == first.id


def test_no_phone_number_or_email_address_is_logged(runtime, clock, client, channels, caplog):
    for ours in ("engine", "webhooks"):  # peewee's own DEBUG lines echo SQL parameters and stay off in service
        caplog.set_level(logging.DEBUG, logger=ours)

    hotline_call(runtime, clock, "hl-1", "8 (913) 000-00-00")
    client.post("/open311/v2/requests.json", data={**PIT, "phone": "+7 913 000-00-00"})
    post_generic(client, clock, {"external_id": "pos-9", "text": "Яма", "author": {"contact": "anna@example.ru"}})

    assert AppealRecord.select().count() == 3
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("engine", "webhooks"))
    assert logged  # the flows did log
    assert "anna@example" not in logged.lower()
    assert not any(digits in logged for digits in PHONE_DIGITS)
