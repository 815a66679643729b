"""Replies as the delivery job hands them to a sender, for the senders' tests."""

from __future__ import annotations

from engine.replies.message import OutgoingReply


def outgoing_reply(route: str, address: dict, **overrides) -> OutgoingReply:
    values = {
        "reply_id": 7,
        "idempotency_key": f"appeal:17:acknowledgement:v1:{route}",
        "appeal_id": 17,
        "kind": "acknowledgement",
        "route": route,
        "channel": "resident-channel",
        "address": address,
        "text": "Ваше обращение №17 передано в Министерство транспорта Алтайского края, "
                "ответ будет дан до 14.12.2026.",
    }
    values.update(overrides)
    return OutgoingReply(**values)
