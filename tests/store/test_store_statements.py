"""Statements whose SQL is built once store and read exactly what peewee itself would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from peewee import IntegrityError

from engine.store.db import write_transaction
from engine.store.models import AppealRecord, AuditRecord, ChannelRecord
from engine.store.row_statements import first_id_where, first_where
from engine.store.statements import insert_row

pytestmark = pytest.mark.both_databases

RECEIVED = datetime(2026, 11, 30, 3, 0, 12, 345678, tzinfo=UTC)  # Monday, 10:00 in Barnaul


def appeal_row(external_id: str, **changes) -> dict:
    row = {
        "channel": "portal", "external_id": external_id, "raw_payload": "{}", "text": "Ямы на ул. Попова",
        "author_name": "Анна", "author_type": "citizen", "author_contact": None, "municipality": "barnaul",
        "address": None, "lat": 53.35, "long": 83.77, "category": "roads", "subcategory": None,
        "regime": "fz59", "urgency": "normal", "fz59": True, "attachments": ["https://vk.com/photo1_2"],
        "author_id": None, "link": None, "status": "received", "received_at": RECEIVED,
        "created_at": RECEIVED, "updated_at": RECEIVED, "next_routing_at": RECEIVED,
    }
    row.update(changes)
    return row


def test_a_row_inserted_from_built_sql_reads_back_like_one_peewee_created(runtime):
    by_peewee = AppealRecord.create(**appeal_row("by-peewee"))
    ids = [insert_row(AppealRecord, appeal_row(f"cached-{n}")) for n in range(3)]  # 2nd and 3rd reuse the SQL

    assert len(set(ids)) == 3 and by_peewee.id not in ids
    reference = AppealRecord.get_by_id(by_peewee.id).__data__
    for appeal_id in ids:
        stored = AppealRecord.get_by_id(appeal_id).__data__
        assert {k: v for k, v in stored.items() if k not in ("id", "external_id")} == \
            {k: v for k, v in reference.items() if k not in ("id", "external_id")}
    assert AppealRecord.get_by_id(ids[-1]).attachments == ["https://vk.com/photo1_2"]
    assert AppealRecord.get_by_id(ids[-1]).received_at == RECEIVED


def test_columns_left_out_get_their_model_defaults(runtime):
    audit_id = insert_row(AuditRecord, {"at": RECEIVED, "actor": "test", "action": "tested", "appeal": None})

    assert AuditRecord.get_by_id(audit_id).details == {}


def test_a_duplicate_external_id_raises_and_leaves_nothing_half_written(runtime):
    insert_row(AppealRecord, appeal_row("dup"))

    with pytest.raises(IntegrityError), write_transaction():
        insert_row(AuditRecord, {"at": RECEIVED, "actor": "test", "action": "before-duplicate", "details": {}})
        insert_row(AppealRecord, appeal_row("dup"))

    assert AppealRecord.select().where(AppealRecord.external_id == "dup").count() == 1
    assert AuditRecord.select().where(AuditRecord.action == "before-duplicate").count() == 0


def test_a_lookup_by_equal_fields_finds_the_row_with_its_values_converted(runtime):
    ChannelRecord.create(name="vk-barnaul", kind="vk", secret="s", created_at=RECEIVED)

    for _ in range(2):  # the second lookup reuses the SQL built for the first
        found = first_where(ChannelRecord, name="vk-barnaul")
        assert found.kind == "vk"
        assert found.created_at == RECEIVED
    assert first_where(ChannelRecord, name="nowhere") is None


def test_an_id_lookup_answers_the_id_or_none(runtime):
    appeal_id = insert_row(AppealRecord, appeal_row("ext-7"))

    assert first_id_where(AppealRecord, channel="portal", external_id="ext-7") == appeal_id
    assert first_id_where(AppealRecord, channel="portal", external_id="ext-8") is None
    assert first_id_where(AppealRecord, channel="vk", external_id="ext-7") is None


def test_the_hot_path_shapes_are_served_from_built_sql_not_peewee_each_time(runtime):
    from engine.store import built_sql
    from engine.store.db import database

    insert_row(AppealRecord, appeal_row("shape"))
    first_id_where(AppealRecord, channel="portal", external_id="shape")
    first_where(ChannelRecord, name="portal")

    built = {(key[0], key[1].__name__) for key, entry in built_sql.CACHE.items() if entry is not None
             and key[-1] is type(database.obj)}
    assert {("insert", "AppealRecord"), ("select", "AppealRecord"), ("select", "ChannelRecord")} <= built


def test_create_gives_the_stored_row_as_an_instance_with_its_id(runtime):
    from engine.store.models import AssignmentRecord
    from engine.store.statements import create

    appeal = create(AppealRecord, appeal_row("for-assignment"))
    made = [create(AssignmentRecord, {"appeal": appeal, "body": "barnaul-roads-committee", "role": "executor",
                                      "official": None, "assigned_at": RECEIVED}) for _ in range(2)]

    assert made[0].id != made[1].id
    stored = AssignmentRecord.get_by_id(made[1].id)
    assert (stored.appeal_id, stored.body, stored.role, stored.assigned_at) == \
        (appeal.id, "barnaul-roads-committee", "executor", RECEIVED)
    assert made[1].appeal_id == appeal.id and not made[1].is_dirty()
