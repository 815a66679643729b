"""Keys our service reads other platforms with — the VK service key the watch job reads public walls
with — kept encrypted at rest like channel credentials (engine/store/encryption.py), one row per name."""

from __future__ import annotations

from datetime import datetime

from peewee import AutoField, CharField, Value

from .encryption import EncryptedTextField
from .models import BaseModel, UTCDateTimeField

VK_SERVICE = "vk_service"


class ServiceKeyRecord(BaseModel):
    id = AutoField()
    name = CharField(max_length=32, unique=True)
    value = EncryptedTextField()
    set_at = UTCDateTimeField()
    set_by = CharField(null=True)


TABLES = (ServiceKeyRecord,)


def get(name: str) -> ServiceKeyRecord | None:
    return ServiceKeyRecord.get_or_none(ServiceKeyRecord.name == name)


def put(name: str, value: str, *, now: datetime, by: str) -> bool:
    """Store (or replace) the key; True when there was none before."""
    updated = ServiceKeyRecord.update(value=value, set_at=now, set_by=by).where(
        ServiceKeyRecord.name == name).execute()
    if not updated:
        ServiceKeyRecord.create(name=name, value=value, set_at=now, set_by=by)
    return not updated


def remove(name: str) -> bool:
    return bool(ServiceKeyRecord.delete().where(ServiceKeyRecord.name == name).execute())


def stored() -> dict[str, str]:
    """Each key as stored (encrypted), by name: for re-encryption only."""
    cursor = ServiceKeyRecord._meta.database.execute_sql("SELECT name, value FROM service_key_record ORDER BY name")
    return dict(cursor.fetchall())


def replace_stored(name: str, sealed: str) -> None:
    """Write a value already encrypted (``stored`` re-encrypted), bypassing the field's encryption."""
    ServiceKeyRecord.update({ServiceKeyRecord.value: Value(sealed)}).where(ServiceKeyRecord.name == name).execute()
