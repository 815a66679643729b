"""`appeals demo`: post a handful of realistic signed appeals to a running service."""

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


def post_demo_appeals(url: str, channel: str, secret: str) -> int:
    failures = 0
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
                print(f"{response.status} appeal {answer['appeal_id']} → {answer['routed_to']}: "
                      f"{payload['text'][:50]}…")
        except urllib.error.HTTPError as exc:
            failures += 1
            print(f"{exc.code} {exc.read().decode('utf-8', 'replace')}")
        except urllib.error.URLError as exc:
            print(f"cannot reach {url}: {exc.reason}")
            return 1
    return 1 if failures else 0
