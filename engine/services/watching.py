"""The watch list: which public VK walls the centre reads (``appeals watch``, /api/v1/watch).

A wall is added by its screen name or id. With a VK service key (engine.services.service_key) the name
is resolved at once, so a name VK does not know is refused then; without one the wall is kept by name
(its owner id empty) and the watch job resolves it on its first run with a key (``resolve_named``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.monitor.vk_reader import KeyRefused, ReadError, Throttled, VkWallReader
from engine.replies.pacing import Pacer
from engine.store import appeals as appeal_store
from engine.store import watch as store
from engine.store.db import write_transaction

from .service_key import FROM_ENVIRONMENT, KeyInvalid, key_state, service_key

if TYPE_CHECKING:
    from engine.runtime import Runtime

_TARGET = re.compile(r"vk:(?:https?://(?:m\.)?vk\.com/)?([A-Za-z0-9_.]{1,100}|-?\d{1,19})")
_EVERY = re.compile(r"(\d{1,5})\s*([smhмчс]?)")
_UNIT = {"": 60, "m": 60, "м": 60, "s": 1, "с": 1, "h": 3600, "ч": 3600}
MIN_EVERY, MAX_EVERY = 60, 86400
UNRESOLVED = "ещё не найдена в VK: нужен сервисный ключ VK (appeals watch key set)"
UNRESOLVED_WITH_KEY = "ещё не найдена в VK: будет найдена при следующем чтении стен"


class WatchError(ValueError):
    """A watch that cannot be added: the reason for the administrator."""


@dataclass(frozen=True)
class WatchView:
    id: int
    target: str
    owner_id: int | None  # None: known by name only, resolved once a service key is configured
    title: str | None
    municipality: str | None
    every_seconds: int
    polled_at: datetime | None
    last_error: str | None
    read: int
    complaints: int
    chatter: int

    def as_json(self) -> dict:
        return {"id": self.id, "target": self.target, "owner_id": self.owner_id, "title": self.title,
                "municipality": self.municipality, "every_seconds": self.every_seconds,
                "polled_at": self.polled_at.isoformat() if self.polled_at else None, "last_error": self.last_error,
                "read": self.read, "complaints": self.complaints, "chatter": self.chatter}


def parse_every(text: str) -> int:
    """``5m``, ``90s``, ``1h`` (a bare number is minutes) → seconds, between a minute and a day."""
    m = _EVERY.fullmatch(str(text).strip().lower())
    if not m:
        raise WatchError(f"период {text!r}: пишется как 5m, 90s или 1h")
    seconds = int(m[1]) * _UNIT[m[2]]
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise WatchError(f"период {text!r}: от 1m до 24h")
    return seconds


def reader(rt: Runtime, key: str | None = None) -> VkWallReader:
    """A reader with the service key (the stored one unless ``key`` is given)."""
    return VkWallReader(rt.settings.vk_api_url, key if key is not None else service_key(rt), Pacer(max_wait=30.0),
                        calls_per_second=rt.settings.vk_service_calls_per_second)


def resolve(vk: VkWallReader, name: str) -> tuple[int, str | None, str | None]:
    """(owner id, screen name, title) of ``name`` (a screen name, ``club123``, ``id123`` or a number)."""
    if re.fullmatch(r"-?\d+", name):
        number = int(name)
        if number < 0:
            return number, None, _group_title(vk, -number)
        return number, None, None
    found = vk.call("utils.resolveScreenName", {"screen_name": name})
    if not found:
        raise WatchError(f"VK не знает имени {name!r}")
    if found.get("type") in ("group", "page", "event"):
        return -int(found["object_id"]), name, _group_title(vk, int(found["object_id"]))
    if found.get("type") == "user":
        return int(found["object_id"]), name, None
    raise WatchError(f"{name!r} в VK — это {found.get('type')}, а не стена")


def _group_title(vk: VkWallReader, group_id: int) -> str | None:
    answer = vk.call("groups.getById", {"group_ids": group_id})
    groups = answer.get("groups") if isinstance(answer, dict) else answer
    return (groups or [{}])[0].get("name")


def add_watch(rt: Runtime, target: str, *, municipality: str | None, every: str, actor: str,
              vk: VkWallReader | None = None, resolve_now: bool = True) -> tuple[WatchView, bool]:
    """Watch a wall (or change a watched one's settings). ``resolve_now=False`` keeps it by name even
    with a service key: the watch job resolves it (the demo data, added with no call to VK)."""
    m = _TARGET.fullmatch(str(target).strip())
    if not m:
        raise WatchError(f"что читать {target!r}: пишется vk:<короткое имя или номер>")
    seconds = parse_every(every)
    if municipality and municipality not in rt.policy_set.directory.municipalities:
        raise WatchError(f"нет муниципального образования {municipality!r} (см. rules/gazetteer.yaml)")
    try:
        key = service_key(rt) if vk is None and resolve_now else None
    except KeyInvalid as exc:
        raise WatchError(f"{FROM_ENVIRONMENT} не подходит: {exc}") from None
    try:
        if vk is None and not key:  # kept by name: the watch job resolves it once a key is configured
            numeric = re.fullmatch(r"-?\d+", m[1])
            owner_id, screen_name, title = (int(m[1]), None, None) if numeric else (None, m[1], None)
        else:
            owner_id, screen_name, title = resolve(vk or reader(rt, key), m[1])
    except ReadError as exc:
        raise WatchError(f"VK: {exc}") from None
    now = rt.now()
    with write_transaction():
        row, created = store.add("vk", owner_id, screen_name=screen_name, title=title, municipality=municipality,
                                 every_seconds=seconds, actor=actor, now=now)
        appeal_store.audit(now, actor, "watch.added" if created else "watch.changed", None, watch=row.id,
                           owner_id=owner_id, every_seconds=seconds, municipality=municipality)
    return view(row), created


def resolve_named(rt: Runtime, vk: VkWallReader) -> int:
    """Resolve the walls kept by name (``add_watch`` without a key); the number resolved. A name VK does not
    know is kept with the reason and tried again after the wall's period; the same wall watched twice
    (by name and by id) becomes one watch."""
    now = rt.now()
    done = 0
    for row in store.unresolved(now):
        try:
            owner_id, _, title = resolve(vk, row.screen_name)
        except (Throttled, KeyRefused):
            raise
        except (WatchError, ReadError) as exc:
            with write_transaction():
                store.set_wall(row.id, last_error=str(exc), next_poll_at=now + timedelta(seconds=row.every_seconds))
            continue
        with write_transaction():
            merged = store.resolve(row.id, owner_id, title)
            appeal_store.audit(now, "system", "watch.resolved", None, watch=merged, owner_id=owner_id,
                               screen_name=row.screen_name)
        done += 1
    return done


def list_watches(rt: Runtime | None = None) -> list[WatchView]:
    """Every watched wall; with the runtime, a key given by the environment (stored by the next reading)
    counts as a key too."""
    key = key_state() is not None or bool(rt is not None and (rt.settings.vk_service_token or "").strip())
    return [view(row, key=key) for row in store.every()]


def remove_watch(rt: Runtime, watch_id: int, *, actor: str) -> bool:
    now = rt.now()
    with write_transaction():
        row = store.get(watch_id)
        if row is None:
            return False
        store.remove(watch_id)
        appeal_store.audit(now, actor, "watch.removed", None, watch=watch_id, owner_id=row.owner_id)
    return True


def monitored_appeal(external_id: str) -> int | None:
    """The appeal the watch job made of this VK item (``wall<owner>_<post>``, ``reply<owner>_<comment>``),
    if any: a community's Callback API delivering the same item later must not make a second one."""
    return appeal_store.find_appeal_id("monitor", external_id)


def view(row, *, key: bool | None = None) -> WatchView:
    """The wall as listed; one kept by name says truthfully what it waits for: a key, or the next reading."""
    target = f"vk:{row.screen_name}" if row.screen_name else f"vk:{row.owner_id}"
    if key is None:
        key = key_state() is not None
    error = row.last_error or (None if row.owner_id is not None else UNRESOLVED_WITH_KEY if key else UNRESOLVED)
    return WatchView(row.id, target, row.owner_id, row.title, row.municipality, row.every_seconds, row.polled_at,
                     error, row.read_count, row.complaint_count, row.chatter_count)
