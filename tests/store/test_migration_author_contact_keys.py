"""Migration 16 gives stored hotline, generic and Open311 appeals the author key of a normalised phone number
or e-mail address, leaves the ids channels gave alone, changes nothing when applied again, and indexes our
replies by the platform's id."""

from __future__ import annotations

import json

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import credentials
from engine.store import appeals as store
from engine.store.db import write_transaction
from engine.store.migrations import m0016_author_contact_keys
from engine.store.models import AppealRecord

pytestmark = pytest.mark.both_databases


def stored(rt, channel: str, external_id: str, *, contact: str | None, author_id: str | None, raw: dict | None = None):
    incoming = IncomingAppeal(channel=channel, external_id=external_id, text="Яма на дороге", received_at=rt.now(),
                              author=Author(name="Анна", contact=contact), author_id=author_id)
    with write_transaction():
        return store.insert_appeal(incoming, json.dumps(raw or {}, ensure_ascii=False), rt.now())


def test_stored_contact_authors_get_normalised_keys_once(runtime):
    now = runtime.now()
    for name, kind in (("hotline", "generic"), ("city-app", "open311"), ("gov-vk", "vk")):
        credentials.add_channel(now, name, kind)
    appeals = {
        "hotline phone": stored(runtime, "hotline", "hl-1", contact="8 (913) 000-00-00",
                                author_id="contact:8 (913) 000-00-00"),
        "generic e-mail": stored(runtime, "hotline", "pos-1", contact=" Anna@Example.ru ", author_id=None),
        "open311 both": stored(runtime, "city-app", "o311-1", contact="anna@example.ru",
                               author_id="email:anna@example.ru",
                               raw={"phone": "+7 913 000-00-00", "email": "anna@example.ru"}),
        "open311 e-mail": stored(runtime, "city-app", "o311-2", contact="Petr@Example.ru", author_id=None,
                                 raw={"email": "Petr@Example.ru", "phone": None}),
        "hotline caller id": stored(runtime, "hotline", "hl-2", contact="+7 913 000-00-00", author_id="caller-17"),
        "hotline address": stored(runtime, "hotline", "hl-3", contact="ул. Ленина, 5",
                                  author_id="contact:ул. ленина, 5"),
        "vk user": stored(runtime, "gov-vk", "reply-1_2", contact="https://vk.com/id5", author_id="vk:5"),
        "unregistered channel": stored(runtime, "portal", "p-1", contact="8 913 000 00 00", author_id=None),
    }
    database = AppealRecord._meta.database

    with write_transaction():
        m0016_author_contact_keys.apply(database)
    keys = {name: AppealRecord.get_by_id(appeal_id).author_id for name, appeal_id in appeals.items()}
    with write_transaction():
        m0016_author_contact_keys.apply(database)  # again: nothing changes

    assert keys == {name: AppealRecord.get_by_id(appeal_id).author_id for name, appeal_id in appeals.items()}
    assert keys == {
        "hotline phone": "phone:+79130000000",
        "generic e-mail": "email:anna@example.ru",
        "open311 both": "phone:+79130000000",
        "open311 e-mail": "email:petr@example.ru",
        "hotline caller id": "caller-17",  # the hotline system's own id of the caller
        "hotline address": "contact:ул. ленина, 5",  # no phone or e-mail: kept as it was
        "vk user": "vk:5",
        "unregistered channel": None,
    }


def test_our_replies_are_indexed_by_route_and_platform_id(runtime):
    indexes = {index.name: index for index in AppealRecord._meta.database.get_indexes("author_message_record")}

    assert "author_message_record_route_platform" in indexes
    assert indexes["author_message_record_route_platform"].columns == ["route", "platform_id"]
