"""A reply ready to leave the building, independent of the platform that carries it.

A sender takes an ``OutgoingReply`` and returns a ``Receipt`` with the id the platform gave the
message, or raises ``engine.alerts.message.DeliveryError``: ``permanent`` when retrying cannot help
(comments closed, the resident blocked the bot), ``retry_after`` when the platform said how long
to wait (rate limits), ``credentials`` when the channel's token is invalid or revoked (every reply
of that channel will fail until an administrator replaces the token).

What ``address`` holds, by route (the senders' modules say more):

- ``vk_comment``: ``owner_id`` (the wall's owner, −community id), ``post_id``, ``comment_id`` (the
  resident's comment; absent to comment on the post), ``group_id`` (the community that answers);
- ``vk_message``: ``peer_id``;
- ``telegram``: ``chat_id``, ``message_id`` (the resident's message, answered as a reply);
- ``email``: ``email``, ``name``;
- ``callback``: ``url`` (the channel's callback URL); ``payload`` carries ``body`` ({id, name}) and
  ``due`` (ISO 8601 with the body's offset).

``token`` is the channel's ``api_token`` (vk_*, telegram), ``secret`` its current secret (callback).
A sender never touches the database: the delivery job records the receipt or the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

ROUTES = ("vk_comment", "vk_message", "telegram", "email", "callback", "open311", "manual")


@dataclass(frozen=True)
class OutgoingReply:
    reply_id: int  # the AuthorMessageRecord row
    idempotency_key: str
    appeal_id: int
    kind: str  # acknowledgement, forwarded, extended, clarification, interim_answer, final_answer, rejected
    route: str  # one of ROUTES
    channel: str  # the appeal's channel name
    address: dict  # route-specific: VK owner/post/comment or peer ids, Telegram chat and message ids, e-mail, URL
    text: str
    subject: str | None = None  # e-mail
    token: str | None = None  # the channel's platform API token (VK community token, Telegram bot token)
    secret: str | None = None  # the channel's secret (signs a generic channel's callback)
    payload: dict = field(default_factory=dict)  # what a callback carries besides the text (body, due time…)


@dataclass(frozen=True)
class Receipt:
    platform_id: str | None  # VK comment or message id, Telegram message_id, e-mail Message-ID, HTTP status
    detail: str = ""


class ReplySender(Protocol):
    def send(self, reply: OutgoingReply) -> Receipt: ...
