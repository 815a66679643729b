"""A resident's message that continues an appeal: which appeal, and what it does to it. Pure decisions.

A channel describes where a resident's message sits (a ``Thread``): the messages it answers (one of
our replies, by the id the platform gave it, or the author's own earlier message, by the appeal's
external id) and, in a private chat, the conversation it belongs to. The service finds the appeals
those point at; the functions here decide:

- an explicit reply (under our reply or the author's original, in the same VK thread, VK dialog or
  Telegram chat) by the same author continues that appeal;
- a plain message in a private chat (VK dialog, Telegram private chat) continues the author's latest
  appeal from that chat that is open or was finished within the window, unless the text names another
  topic than the appeal's: "ничего не сделали" or "яма так и не заделана" continue a roads appeal,
  "а во дворе не вывозят мусор" is a new appeal. In a group chat or on a wall only explicit replies
  count;
- what the message does (``outcome``): on an open appeal it is a message from the author; on an
  answered or closed appeal within the window it reopens the appeal ("автор не удовлетворён
  ответом"); on an appeal left without an answer on the merits (rejected, art. 11 59-ФЗ) within the
  window it is attached without reopening (the centre decides); beyond the window it is a new appeal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .vocabulary import FINISHED_STATUSES

REOPENED_BY = ("answered", "closed")  # a follow-up within the window reopens these
REOPEN_REASON = "автор не удовлетворён ответом"
FOLLOW_UP, AUTHOR_MESSAGE = "follow_up", "author_message"  # kinds of inbound author messages


@dataclass(frozen=True)
class Thread:
    """Where a resident's message sits, as its channel tells it (channel-neutral)."""

    route: str  # how the message came: vk_comment, vk_message, telegram
    platform_id: str  # the platform's id of this message (VK comment or message id, Telegram message_id)
    address: dict = field(default_factory=dict)  # where it is: owner/post/comment, peer, chat and message ids
    replies: tuple[str, ...] = ()  # platform ids of our replies it answers, most specific first
    appeals: tuple[str, ...] = ()  # external ids of the author's appeals it answers or continues, same order
    reply_chat: str | None = None  # our reply must be in this chat (Telegram message ids count per chat)
    conversation: str | None = None  # a private chat: the external-id prefix of the author's appeals in it


@dataclass(frozen=True)
class Outcome:
    kind: str  # follow_up (the appeal was finished) | author_message (the appeal is open)
    reopen: bool


@dataclass(frozen=True)
class Candidate:
    """One of the author's appeals a plain message in a private chat might continue."""

    appeal_id: int
    status: str
    topic: str | None
    finished_at: datetime | None  # when the body finished it (answered, rejected); None while open


def outcome(status: str, finished_at: datetime | None, now: datetime, window: timedelta) -> Outcome | None:
    """What the author's message does to an appeal in ``status`` finished at ``finished_at``; None: the
    appeal is too old to continue (beyond ``window`` after it was finished) and the message is a new appeal."""
    if status not in FINISHED_STATUSES:  # open (or a state of another flow, such as an answer under review)
        return Outcome(AUTHOR_MESSAGE, reopen=False)
    if finished_at is None or now - finished_at > window:
        return None
    return Outcome(FOLLOW_UP, reopen=status in REOPENED_BY)


def continued(candidates: list[Candidate], topic: str | None, now: datetime, window: timedelta) -> Candidate | None:
    """The appeal a plain message in a private chat continues, from the author's appeals in that chat
    (newest first): the newest one still open or finished within the window, and, when the message
    names a topic, the newest such one on that topic (None: the message is a new appeal)."""
    alive = [c for c in candidates if outcome(c.status, c.finished_at, now, window) is not None]
    if topic is None:
        return alive[0] if alive else None
    return next((c for c in alive if c.topic == topic), None)
