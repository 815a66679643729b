"""Telling the resident: a message of one kind (rules/replies.yaml) queued for their channel.

``announce`` runs inside the caller's write transaction, on the appeal the caller holds (routing, a
staff action), so the message exists exactly when what it tells happened. It renders the kind's
template with the appeal's fields (the body's Russian name, the due date in the body's zone) and the
caller's own (the answer, the reason…), picks the route from the channel the appeal came by
(engine.domain.reply_address) and records the outgoing author message under an idempotency key —
per (appeal, kind) and the deadline version or the answer it tells of —, so a repeated call queues
nothing. The reply delivery job (engine.services.reply_delivery) sends it. A kind switched off for the
appeal (an anonymous 59-ФЗ appeal gets no acknowledgement) is audited, not queued.

Nothing is pushed for an Open311 request: the message is its ``status_notes`` at once. A route no
sender serves (a VK board topic, a hotline caller without an e-mail address) is left to an operator
(status ``manual``).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.reply_address import reply_address
from engine.domain.reply_templates import common_fields
from engine.store import appeals as store
from engine.store import author_messages

from .conversation import author_view
from .credentials import find_channel

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

ANSWER_CLOCKS = ("answer", "final_answer")  # the term «ответ будет дан до» names, in this order
SYSTEM = "system"


def announce(rt: Runtime, appeal, kind: str, now: datetime, *, fields: dict | None = None, key: str | None = None,
             actor: str = SYSTEM, text: str | None = None, channels: dict | None = None):
    """Queue the message ``kind`` to the appeal's author; the author message (its ``text`` is what leaves),
    or None when nothing was queued (switched off, no rules/replies.yaml, or already queued under ``key``).
    ``text``: a staff member's own wording instead of the template's (an extension notice written by hand).
    ``channels``: registered channels by name (None: not registered) already read by the caller, as
    ``channels_named`` gives them (routing reads a batch's once)."""
    templates = rt.policy_set.replies
    if templates is None or kind not in templates.templates:
        return None
    channel = channels[appeal.channel] if channels is not None and appeal.channel in channels \
        else find_channel(appeal.channel)
    author = author_view(appeal)
    where = reply_address(channel_kind=channel.kind if channel else None, external_id=appeal.external_id,
                          link=appeal.link, email=author["email"], name=appeal.author_name,
                          group_id=channel.group_id if channel else None,
                          callback_url=channel.callback_url if channel else None)
    facts = {"regime": appeal.regime, "channel": channel.kind if channel else None, "channel_name": appeal.channel,
             "route": where.route, "author_type": appeal.author_type}
    key = key or f"appeal:{appeal.id}:{kind}"
    why = templates.switched_off(kind, facts)
    if why is not None:
        store.audit(now, SYSTEM, "reply.switched_off", appeal.id, message_kind=kind, why=why)
        return None
    given = dict(fields or {})
    due = given.pop("due", None) or answer_due(appeal.id)
    zone = ZoneInfo(rt.policy_set.calendar_for(appeal.body).timezone if appeal.body
                    else rt.policy_set.directory.timezone)
    body_name = rt.policy_set.labels("body", appeal.body) if appeal.body else None
    values = {**common_fields(appeal.id, body_name, due, appeal.received_at, zone), **given}
    rendered = templates.render(kind, values, facts)
    if text and text.strip():
        rendered = dataclasses.replace(rendered, text=text.strip())
    status = "manual" if where.route == "manual" else "pending"
    details = {"subject": rendered.subject, "body": appeal.body, "body_name": body_name,
               "due": due.astimezone(zone).isoformat() if due else None}
    if not author_messages.add_outgoing(appeal_id=appeal.id, kind=kind, route=where.route, address=where.address,
                                        text=rendered.text, idempotency_key=key, now=now, status=status,
                                        actor=actor, details=details):
        return None
    message = author_messages.by_key(key)
    store.audit(now, actor, "reply.queued", appeal.id, message=message.id, message_kind=kind, route=where.route)
    if where.route == "open311":  # GET requests/<id> shows it from now on: that is its delivery
        author_messages.mark_sent(message.id, now, platform_id=str(appeal.id))
        store.audit(now, SYSTEM, "reply.sent", appeal.id, message=message.id, message_kind=kind, route="open311",
                    platform_id=str(appeal.id))
    log.info("appeal %s: %s for the author queued (%s)", appeal.id, kind, where.route)
    return message


def sequence_key(appeal_id: int, kind: str) -> str:
    """The key of the next message of ``kind`` on the appeal (the caller holds the appeal's row): one per
    clarification asked, answer given, forwarding done."""
    count = sum(1 for m in author_messages.of_appeal(appeal_id) if m.direction == "out" and m.kind == kind)
    return f"appeal:{appeal_id}:{kind}:{count + 1}"


def channels_named(names) -> dict:
    """``find_channel`` of each name (None: not registered), each name read once."""
    return {name: find_channel(name) for name in set(names)}


def answer_due(appeal_id: int) -> datetime | None:
    """The due time of the appeal's answer («ответ будет дан до»): its answer clock, else its final-answer
    clock (while that waits for the interim answer, its hard cap), else the earliest clock still running."""
    dues = author_messages.running_dues(appeal_id)
    for kind in ANSWER_CLOCKS:
        found = next((due for k, due in dues if k == kind), None)
        if found is not None:
            return found
    return min((due for _, due in dues), default=None)
