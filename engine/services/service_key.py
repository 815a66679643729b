"""The VK service key the watch job reads public walls with, kept encrypted at rest like the channels'
tokens (engine/store/service_keys.py; ``appeals keys rotate`` re-encrypts it).

An administrator stores it with ``appeals watch key set`` (read from standard input or asked for, never
an argument: an argument stays in the shell's history and the process list). APPEALS_VK_SERVICE_TOKEN,
when set, is the same key given by the environment: the worker stores it encrypted the first time it
differs from the stored one, and every reader takes the key from the database. No value is ever logged
or audited, only that it was set, when and by whom."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from engine.store import service_keys as store
from engine.store.appeals import audit
from engine.store.db import write_transaction

if TYPE_CHECKING:
    from engine.runtime import Runtime

_KEY = re.compile(r"[A-Za-z0-9._-]{8,1000}")
FROM_ENVIRONMENT = "APPEALS_VK_SERVICE_TOKEN"


class KeyInvalid(ValueError):
    """Not a VK service key; the message says why (without the value)."""


def set_key(rt: Runtime, key: str, *, actor: str) -> bool:
    """Store the key encrypted; True when none was stored before. Audited ``watch.key_set`` (no value)."""
    key = (key or "").strip()
    if not _KEY.fullmatch(key):
        raise KeyInvalid("сервисный ключ VK — от 8 до 1000 латинских букв, цифр, «.», «-» или «_» "
                         "(«Сервисный ключ доступа» в настройках приложения VK)")
    now = rt.now()
    with write_transaction():
        created = store.put(store.VK_SERVICE, key, now=now, by=actor)
        audit(now, actor, "watch.key_set", None, key="set" if created else "replaced")
    return created


def remove_key(rt: Runtime, *, actor: str) -> bool:
    now = rt.now()
    with write_transaction():
        removed = store.remove(store.VK_SERVICE)
        if removed:
            audit(now, actor, "watch.key_removed", None)
    return removed


def key_state() -> tuple[datetime, str | None] | None:
    """(when set, by whom) of the stored key, None when there is none."""
    row = store.get(store.VK_SERVICE)
    return (row.set_at, row.set_by) if row else None


def service_key(rt: Runtime) -> str:
    """The key to read VK with ("" when none): the stored one, after storing the environment's if it differs."""
    given = (rt.settings.vk_service_token or "").strip()
    row = store.get(store.VK_SERVICE)
    if given and (row is None or row.value != given):
        set_key(rt, given, actor=FROM_ENVIRONMENT)
        return given
    return row.value if row else ""
