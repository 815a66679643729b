"""VK Callback API events as a community's server receives them, and posting them to our webhook."""

from __future__ import annotations

import json

SECRET = "vk-secret-for-tests"
GROUP = 218_000_111


def event(kind: str, obj: dict, *, event_id: str = "ev-1", secret: str = SECRET) -> dict:
    return {"group_id": GROUP, "type": kind, "event_id": event_id, "v": "5.199", "object": obj, "secret": secret}


def comment(text: str = "На ул. Попова в Барнауле огромные ямы, провал асфальта у дома 105", **extra) -> dict:
    """A resident's top comment 4051 under the community's post 812 (a `wall_reply_new` object)."""
    return {"id": 4051, "from_id": 52_001_777, "date": 1_764_471_000, "text": text, "post_id": 812,
            "owner_id": -GROUP, "parents_stack": [], "thread": {"count": 0}, **extra}


def post(client, payload, channel="gov-vk"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return client.post(f"/webhooks/vk/{channel}", data=body, headers={"Content-Type": "application/json"})
