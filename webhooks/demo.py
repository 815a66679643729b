"""`appeals demo`: post a handful of realistic signed appeals to a running service; `appeals watch demo`
(run by `make run`): watch two public Altai communities by name."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from engine.domain.signature import sign

DEMO_APPEALS = [
    {
        "text": "На ул. Попова у дома 105 огромные ямы, машины бьют колёса, провал после ремонта колодца.",
        "municipality": "barnaul", "category": "roads", "regime": "incident",
        "author": {"name": "Анна Кравцова", "type": "citizen", "contact": "vk.com/id1001"},
    },
    {
        "text": "Третий день нет отопления в доме на пр. Ленина 45, батареи холодные, в квартире +14.",
        "municipality": "barnaul", "category": "housing", "regime": "incident", "urgency": "high",
        "author": {"name": "Сергей Лавров", "type": "citizen"},
    },
    {
        "text": "Прошу разобраться с переполненными контейнерами для мусора во дворе, вывоз не производится неделю.",
        "municipality": "biysk", "regime": "fz59", "fz59": True,
        "author": {"name": "Мария Иванова", "type": "citizen", "contact": "ivanova@example.ru"},
        "address": "г. Бийск, ул. Советская, 12",
    },
    {
        "text": "Не могу записаться к врачу в поликлинике №3, запись закрыта на месяц вперёд.",
        "municipality": "rubtsovsk", "regime": "portal_message", "category": "health",
        "author": {"name": "Ольга Петрова", "type": "citizen"},
    },
    {
        "text": "Когда будет выплачено пособие на ребёнка за октябрь? Заявление подано через Госуслуги.",
        "regime": "fz59", "fz59": True,
        "author": {"name": "Ирина Смирнова", "type": "citizen", "contact": "+7 913 000-00-00"},
    },
]


# The demo data's watch list: two public Altai walls by their VK screen names. Nothing is asked of VK when
# they are added; the watch job resolves the names once a service key is configured (appeals watch key set).
DEMO_WATCHES = [
    {"target": "vk:barnaul22", "municipality": "barnaul", "every": "5m"},  # «Барнаул 22», the city's news public
    {"target": "vk:tomenko_vp", "municipality": None, "every": "10m"},  # the governor of Altai Krai's page
]


def add_demo_watches(rt) -> list:
    """Add the demo watch list (by name, no VK call); the watches as listed."""
    from engine.services import watching

    return [watching.add_watch(rt, w["target"], municipality=w["municipality"], every=w["every"], actor="demo",
                               resolve_now=False)[0] for w in DEMO_WATCHES]


def post_demo_appeals(url: str, channel: str, secret: str, *, settings=None, wait: float = 15.0) -> int:
    """Post the demo appeals; then, when this machine's database is the service's, wait for the
    worker to route the ones the service only stored (APPEALS_ROUTING=queued) and show where they went."""
    failures = 0
    waiting: dict[int, str] = {}
    for appeal in DEMO_APPEALS:
        payload = {"external_id": f"demo-{uuid.uuid4().hex[:12]}", **appeal}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        ts = int(time.time())
        request = urllib.request.Request(
            f"{url.rstrip('/')}/webhooks/generic/{channel}",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Appeals-Timestamp": str(ts),
                "X-Appeals-Signature": sign(secret, ts, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            failures += 1
            print(f"{exc.code} {exc.read().decode('utf-8', 'replace')}")
            continue
        except urllib.error.URLError as exc:
            print(f"cannot reach {url}: {exc.reason}")
            return 1
        routed = answer["routed_to"]
        where = f"{routed['body']}/{routed['role']}" if routed else "stored, waiting for the worker"
        print(f"{response.status} appeal {answer['appeal_id']} → {where}: {payload['text'][:50]}…")
        if routed is None:
            waiting[answer["appeal_id"]] = payload["external_id"]
    if waiting and settings is not None:
        _show_routing(settings, channel, waiting, wait)
    return 1 if failures else 0


def _show_routing(settings, channel: str, waiting: dict[int, str], wait: float) -> None:
    from engine.services.appeal_queries import appeals_by_external_id
    from engine.services.database import close_database, connection, open_database

    open_database(settings.database_url)
    deadline = time.monotonic() + wait
    try:
        while waiting and time.monotonic() < deadline:
            with connection():
                rows = appeals_by_external_id(channel, waiting.values())
            for row in rows:
                if row.status != "received" and row.id in waiting:
                    print(f"    appeal {row.id} routed → {row.body}/{row.role} (policy {row.policy})")
                    del waiting[row.id]
            if waiting:
                time.sleep(0.5)
    finally:
        close_database()
    for appeal_id in waiting:
        print(f"    appeal {appeal_id} not routed yet: is `appeals worker` (or `appeals run`) running?")
