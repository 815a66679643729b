"""VK Callback API: each event's `group_id` is checked against the community the channel serves."""

from __future__ import annotations

import json

import pytest
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from engine.services import access, credentials
from engine.store.channel_events import ChannelEventRecord
from engine.store.db import database, is_sqlite
from engine.store.migrations import m0008_channel_group_id as m0008
from engine.store.models import AppealRecord, AuditRecord, ChannelRecord
from webhooks.cli import main

SECRET = "vk-secret-for-tests"
GROUP = 218_000_111
OTHER_GROUP = 35_000_222


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4", group_id=GROUP)
    return "gov-vk"


def event(kind: str, obj: dict, *, group_id: int = GROUP, event_id: str = "ev-1") -> dict:
    return {"group_id": group_id, "type": kind, "event_id": event_id, "v": "5.199", "object": obj,
            "secret": SECRET}


def comment(text: str = "На ул. Попова в Барнауле огромные ямы", owner: int = GROUP) -> dict:
    return {"id": 4051, "from_id": 52_001_777, "date": 1_764_471_000, "text": text, "post_id": 812,
            "owner_id": -owner, "parents_stack": [], "thread": {"count": 0}}


def post(client, payload, channel="gov-vk"):
    body = json.dumps(payload, ensure_ascii=False).encode()
    return client.post(f"/webhooks/vk/{channel}", data=body, headers={"Content-Type": "application/json"})


def test_a_comment_in_the_channels_own_community_becomes_an_appeal(client, channel):
    answer = post(client, event("wall_reply_new", comment()))

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.get().external_id == f"reply-{GROUP}_4051"


def test_an_event_of_another_community_is_answered_ok_and_nothing_is_stored(client, channel):
    answer = post(client, event("wall_reply_new", comment(owner=OTHER_GROUP), group_id=OTHER_GROUP))

    assert answer.status_code == 200
    assert answer.mimetype == "text/plain" and answer.get_data(as_text=True) == "ok"  # VK does not retry
    assert AppealRecord.select().count() == 0
    assert ChannelEventRecord.select().count() == 0  # not even the event id: it belongs to another community


def test_an_event_id_seen_from_another_community_does_not_hide_the_same_id_from_ours(client, channel):
    post(client, event("wall_reply_new", comment(owner=OTHER_GROUP), group_id=OTHER_GROUP, event_id="ev-7"))

    assert post(client, event("wall_reply_new", comment(), event_id="ev-7")).get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 1


def test_an_event_without_a_group_id_is_not_taken_for_the_channels_community(client, channel):
    payload = {k: v for k, v in event("wall_reply_new", comment()).items() if k != "group_id"}

    assert post(client, payload).get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 0


def test_a_confirmation_request_of_another_community_is_refused(client, channel):
    ours = post(client, {"type": "confirmation", "group_id": GROUP, "secret": SECRET})
    theirs = post(client, {"type": "confirmation", "group_id": OTHER_GROUP, "secret": SECRET})

    assert ours.get_data(as_text=True) == "a1b2c3d4"
    assert theirs.status_code == 403
    assert theirs.get_json()["error"]["code"] == "wrong_group"
    assert "a1b2c3d4" not in theirs.get_data(as_text=True)


def test_the_secret_is_checked_before_the_group(client, channel):
    payload = {**event("wall_reply_new", comment(), group_id=OTHER_GROUP), "secret": "guess"}

    assert post(client, payload).status_code == 403
    assert post(client, payload).get_json()["error"]["code"] == "bad_secret"


def test_a_channel_registered_without_a_group_id_accepts_any_community(client, runtime):
    credentials.add_channel(runtime.now(), "old-vk", "vk", SECRET, confirmation="c0ffee")

    answer = post(client, event("wall_reply_new", comment(owner=OTHER_GROUP), group_id=OTHER_GROUP),
                  channel="old-vk")

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 1


@pytest.mark.parametrize("kind, group_id", [("generic", GROUP), ("vk", 0), ("vk", -GROUP), ("vk", True)])
def test_a_group_id_is_a_positive_vk_community_id(runtime, kind, group_id):
    with pytest.raises(access.AccessError, match="group_id"):
        credentials.add_channel(runtime.now(), "x", kind, SECRET, group_id=group_id)

    assert ChannelRecord.select().count() == 0




def test_the_cli_registers_a_vk_channel_with_its_group_id_and_lists_it(cli_env, capsys):
    code = main(["channel", "add", "vk-barnaul", "--kind", "vk", "--secret", "s", "--confirmation", "c",
                 "--group-id", str(GROUP)])
    main(["channel", "list"])
    out = capsys.readouterr().out

    assert code == 0
    assert "vk-barnaul\tВКонтакте\t" in out and f"\t{GROUP}\tтокена нет" in out and "\ts\t" not in out
    assert ChannelRecord.get(ChannelRecord.name == "vk-barnaul").group_id == GROUP
    added = AuditRecord.get(AuditRecord.action == "channel.added")
    assert "secret" not in added.details and added.details["group_id"] == GROUP


def test_the_cli_refuses_a_group_id_for_another_kind_of_channel(cli_env, capsys):
    code = main(["channel", "add", "monitor", "--kind", "generic", "--group-id", "5"])

    assert code == 2
    assert "group_id" in capsys.readouterr().err


@pytest.mark.both_databases
def test_migration_8_adds_the_group_id_column_to_an_older_database(runtime):
    migrator = SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)
    with database.atomic():
        migrate(migrator.drop_column("channel_record", "group_id"))
    assert "group_id" not in {c.name for c in database.get_columns("channel_record")}

    with database.atomic():
        m0008.apply(database.obj)
        m0008.apply(database.obj)

    assert "group_id" in {c.name for c in database.get_columns("channel_record")}
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, group_id=2**40)  # VK ids outgrow 32 bits
    assert ChannelRecord.get().group_id == 2**40
