"""A resident's message in the same VK thread, VK dialog or Telegram chat as their appeal attaches to it.

The channel's webhook hands over the normalised message and where it sits (engine.domain.follow_up.Thread).
When it continues one of the author's appeals (engine.domain.follow_up decides which, and what it does),
everything happens in one transaction with the channel's delivery id (store first, as for an appeal):

- the message is stored as an inbound author message (``follow_up`` or ``author_message``), once per
  channel message (its idempotency key), and audited as ``appeal.follow_up`` / ``appeal.author_message``;
- an answered or closed appeal is reopened through the staff action ``reopen`` with the reason «автор не
  удовлетворён ответом», audited with the actor ``channel:<name>``: new answer terms, the ladder runs again;
- the executor (the appeal's role at its body, deputies and vacancies resolved) gets an alert naming the
  message, so an open appeal's new message is not only seen by whoever opens its page.

Otherwise the message becomes an appeal as before (engine.services.channel_events). The text is never
logged: it is the resident's, and may hold their phone number or address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from engine.domain.appeal import IncomingAppeal
from engine.domain.follow_up import REOPEN_REASON, Candidate, Outcome, Thread, continued, outcome
from engine.domain.vocabulary import FINISHED_STATUSES
from engine.store import appeals as appeal_store
from engine.store import author_messages, channel_events
from engine.store import follow_ups as store
from engine.store.db import write_transaction
from engine.wording.alerts import author_message_alert

from .actions import apply_action
from .channel_events import ChannelEvent, receive_from_channel
from .intake import without_nul
from .notify import deliver_from, enqueue_for, local_day

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

AUTHOR_MESSAGE_LEVEL = "author-message"  # the outbox's level of the executor's alert


@dataclass(frozen=True)
class ChannelActor:
    """A channel acting for the appeal's author, audited as ``channel:<name>``. It has no staff role:
    when a follow-up reopens an appeal is decided by engine.domain.follow_up."""

    channel: str
    role: str = "channel"
    user: None = None
    official_id: None = None
    origin: None = None

    @property
    def actor(self) -> str:
        return f"channel:{self.channel}"


@dataclass(frozen=True)
class Attached:
    appeal_id: int
    kind: str  # follow_up | author_message
    reopened: bool
    created: bool  # False: this message was attached before (a redelivery)


def receive_message(rt: Runtime, incoming: IncomingAppeal, raw_text: str, *, event: ChannelEvent | None,
                    thread: Thread | None) -> Attached | None:
    """A message from a channel: attached to the appeal it continues, else stored as a new appeal."""
    attached = attach_follow_up(rt, incoming, thread, event=event) if thread is not None else None
    if attached is None:
        receive_from_channel(rt, incoming, raw_text, event=event)
    return attached


def attach_follow_up(rt: Runtime, incoming: IncomingAppeal, thread: Thread, *,
                     event: ChannelEvent | None) -> Attached | None:
    """Attach the message to the appeal it continues; None when it continues none (a new appeal)."""
    if not incoming.author_id:
        return None
    incoming = without_nul(incoming)  # PostgreSQL cannot store NUL characters
    now = rt.now()
    window = timedelta(days=rt.settings.follow_up_days)
    found = _continued_appeal(rt, incoming, thread, now, window)  # read only: most messages continue nothing
    if found is None:
        return None
    appeal_id, how = found
    key = f"in:{incoming.channel}:{incoming.external_id}"
    try:
        with write_transaction():
            appeal = appeal_store.get_appeal(appeal_id, for_update=True)  # its status again, under the lock
            result = outcome(appeal.status, store.finished_at(appeal.id), now, window)
            if result is None:
                return None
            if event is not None:
                channel_events.record_event(incoming.channel, event.key, event.type, now)
            created = author_messages.add_incoming(
                appeal_id=appeal.id, kind=result.kind, route=thread.route, address=thread.address,
                text=incoming.text, idempotency_key=key, now=now, platform_id=thread.platform_id,
                actor=f"channel:{incoming.channel}",
                details={"external_id": incoming.external_id, "link": incoming.link, "found_by": how,
                         "written_at": incoming.received_at.isoformat(), "attachments": list(incoming.attachments),
                         "reopened": result.reopen})
            if created:
                _act(rt, appeal, result, thread, key, now)
    except channel_events.EventSeen:  # another delivery of the same event got there first
        return Attached(appeal.id, result.kind, reopened=False, created=False)
    log.info("appeal %s: %s from channel %s (%s, found by %s)%s", appeal.id, result.kind, incoming.channel,
             thread.route, how, ", reopened" if created and result.reopen else "")
    return Attached(appeal.id, result.kind, reopened=created and result.reopen, created=created)


def reopen_for_author(rt: Runtime, appeal, channel: str, now: datetime) -> dict:
    """The staff action ``reopen`` (its transition, new answer terms, re-armed ladders, its audit) done by the
    channel for the author, in the caller's transaction, on the appeal row read for update."""
    return apply_action(rt, appeal, "reopen", {"reason": REOPEN_REASON}, ChannelActor(channel), now)


def _act(rt: Runtime, appeal, result: Outcome, thread: Thread, key: str, now: datetime) -> None:
    appeal_store.audit(now, f"channel:{appeal.channel}", f"appeal.{result.kind}", appeal.id, route=thread.route,
                       platform_id=thread.platform_id, reopens=result.reopen)
    if result.reopen:
        reopen_for_author(rt, appeal, appeal.channel, now)
    _tell_executor(rt, appeal, result, key, now)


def _continued_appeal(rt: Runtime, incoming: IncomingAppeal, thread: Thread, now: datetime,
                      window: timedelta) -> tuple[int, str] | None:
    """(appeal id, how it was found): our reply the message answers, else the author's own message it
    answers, else (a plain message in a private chat) the author's appeal it continues; the text is read
    for its topic only when the author has appeals in the chat."""
    author = incoming.author_id
    for message, appeal in store.replied_to(incoming.channel, thread.route, thread.replies):
        if appeal.author_id == author and _in_chat(thread, message, appeal):
            return appeal.id, "reply"
    for external_id in thread.appeals:  # a cached look-up each: every comment on a post asks for the post
        appeal_id = appeal_store.find_appeal_id(incoming.channel, external_id)
        if appeal_id is not None and appeal_store.get_appeal(appeal_id).author_id == author:
            return appeal_id, "original"
    if not thread.conversation:
        return None
    rows = store.appeals_of_author_in(incoming.channel, author, thread.conversation, active_since=now - window)
    if not rows:
        return None
    topic = _topic(rt, incoming)
    candidates = [Candidate(a.id, a.status, a.topic, store.finished_at(a.id) if a.status in FINISHED_STATUSES else None)
                  for a in rows]
    chosen = continued(candidates, topic, now, window)
    return (chosen.appeal_id, "conversation") if chosen else None


def _in_chat(thread: Thread, message, appeal) -> bool:
    """Telegram counts message ids per chat: our reply must be in the chat the message came from."""
    if thread.reply_chat is None:
        return True
    return str((message.address or {}).get("chat_id")) == thread.reply_chat or \
        appeal.external_id.startswith(f"{thread.reply_chat}_")


def _topic(rt: Runtime, incoming: IncomingAppeal) -> str | None:
    """The topic the message's text names (None: no topic is clear), read as routing reads appeals."""
    reader = getattr(rt.policy_set, "reader", None)
    return reader.read(incoming).classification.topic if reader is not None else None


def _tell_executor(rt: Runtime, appeal, result: Outcome, key: str, now: datetime) -> None:
    if not appeal.body:
        return  # not routed yet: nobody holds it
    directory = rt.policy_set.directory
    role = appeal.role or "executor"
    resolution = directory.resolve_for_alert(role, body=appeal.body, sector=appeal.sector or appeal.topic,
                                             day=local_day(rt, now))
    if resolution is None or not resolution.official.channels:
        appeal_store.audit(now, "system", "alert.no_recipient", appeal.id, level=AUTHOR_MESSAGE_LEVEL, role=role)
        return
    official = resolution.official
    message = author_messages.by_key(key)
    subject, body = author_message_alert(appeal, message, resolution, reopened=result.reopen,
                                         timezone=directory.timezone, labels=rt.policy_set.labels,
                                         page=f"{rt.settings.public_url}/appeals/{appeal.id}")
    written = enqueue_for(rt, official, key=f"appeal:{appeal.id}:author-message:{message.id}", now=now,
                          not_before=deliver_from(rt, official, now, urgent=False), appeal=appeal.id, clock=None,
                          level=AUTHOR_MESSAGE_LEVEL, role=resolution.role, subject=subject, body=body)
    if written:
        appeal_store.audit(now, "system", "alert.pending", appeal.id, level=AUTHOR_MESSAGE_LEVEL,
                           role=resolution.role, requested_role=role, recipient=official.id,
                           deputy_for=resolution.holder.id if resolution.deputy else None,
                           vacant=list(resolution.vacant))

