"""Migration 31 on a database from before it: the service key table appears, and a watched wall may be
kept by name (its owner id empty) while the walls watched before keep their ids and stay unique."""

from __future__ import annotations

import pytest
from peewee import IntegrityError

from engine.store.migrations import m0031_service_keys_and_watches_by_name as m0031
from engine.store.service_keys import ServiceKeyRecord
from engine.store.watch import WatchRecord

pytestmark = pytest.mark.both_databases


def test_the_owner_id_becomes_optional_and_the_key_table_appears_applied_twice(runtime):
    db = WatchRecord._meta.database
    db.execute_sql("DROP TABLE service_key_record")
    db.execute_sql("DELETE FROM watch_record")
    if "sqlite" in type(getattr(db, "obj", db)).__name__.lower():
        from playhouse.migrate import SqliteMigrator, migrate

        migrate(SqliteMigrator(db.obj).add_not_null("watch_record", "owner_id"))
    else:
        db.execute_sql("ALTER TABLE watch_record ALTER COLUMN owner_id SET NOT NULL")
    WatchRecord.create(platform="vk", owner_id=-218000001, screen_name="barnaul22", created_at=runtime.now())
    with pytest.raises(IntegrityError), db.atomic():
        WatchRecord.create(platform="vk", owner_id=None, screen_name="tomenko_vp", created_at=runtime.now())

    m0031.apply(db)
    m0031.apply(db)

    for name in ("tomenko_vp", "altai_news"):  # two walls by name: no clash on the unique (platform, owner_id)
        WatchRecord.create(platform="vk", owner_id=None, screen_name=name, created_at=runtime.now())
    with pytest.raises(IntegrityError), db.atomic():
        WatchRecord.create(platform="vk", owner_id=-218000001, screen_name="again", created_at=runtime.now())
    assert [w.owner_id for w in WatchRecord.select().order_by(WatchRecord.id)] == [-218000001, None, None]
    assert ServiceKeyRecord.select().count() == 0
