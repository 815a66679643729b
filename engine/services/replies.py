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
    ``channels_named`` gives them."""
    row, switched_off = _compose(rt, appeal, kind, now, fields=fields, key=key, actor=actor, text=text,
                                 channels=channels, due_of=answer_due)
    if switched_off is not None:
        store.audit_many([switched_off])
    if row is None or not author_messages.add_outgoing_many([row]):
        return None
    message = author_messages.by_key(row["idempotency_key"])  # the caller's: what it says and where it goes
    audits = _queued(appeal, row, message.id, now)
    for audit in audits:
        store.audit(audit["at"], audit["actor"], audit["action"], audit["appeal"], **audit["details"])
    return message


def compose_acknowledgements(rt: Runtime, appeals: list, now: datetime, *, channels: dict, dues: dict,
                             bodies: dict) -> dict[int, tuple]:
    """The acknowledgement of each appeal as ``announce`` would queue it, composed without writing anything
    (a routed batch composes them before its write turn): by appeal id, (the author message or None, the
    audit line of a switched-off kind or None). ``dues``: each appeal's ``answer_due``; ``bodies``: each
    appeal's body as its routing will leave it."""
    return {appeal.id: _compose(rt, appeal, "acknowledgement", now, fields=None, key=None, actor=SYSTEM, text=None,
                                channels=channels, due_of=dues.__getitem__, body=bodies[appeal.id])
            for appeal in appeals}


def acknowledge_batch(rt: Runtime, appeals: list, now: datetime, *, channels: dict, dues: dict,
                      composed: dict[int, tuple] | None = None) -> int:
    """``announce`` of the acknowledgement to each of a routed batch's appeals, in a few statements for the
    batch: the messages queued by one multi-row insert (a key that exists is left out), their audit lines by
    another. ``dues``: each appeal's ``answer_due``, read by the caller when the appeal's clocks were as its
    own ``announce`` would have found them (a later appeal of the batch joining its incident may move them).
    ``composed``: acknowledgements the caller composed already (``compose_acknowledgements``) from what the
    appeals are now; the others are composed here. How many were queued."""
    composed = composed or {}
    made = [(appeal, composed[appeal.id] if appeal.id in composed else
             _compose(rt, appeal, "acknowledgement", now, fields=None, key=None, actor=SYSTEM, text=None,
                      channels=channels, due_of=dues.__getitem__)) for appeal in appeals]
    ids = author_messages.add_outgoing_many([row for _, (row, _) in made if row is not None])
    audits = [switched_off for _, (_, switched_off) in made if switched_off is not None]
    for appeal, (row, _) in made:
        if row is not None and row["idempotency_key"] in ids:
            audits += _queued(appeal, row, ids[row["idempotency_key"]], now)
    store.audit_many(audits)
    return len(ids)


def _compose(rt: Runtime, appeal, kind: str, now: datetime, *, fields: dict | None, key: str | None, actor: str,
             text: str | None, channels: dict | None, due_of,
             body: str | None = None) -> tuple[dict | None, dict | None]:
    """(the author message ``announce`` queues (``author_messages.outgoing_row``), or None when there is none;
    the audit line to write when the kind is switched off for the appeal, or None). Writes nothing.
    ``due_of``: the answer's due time of an appeal id; ``body``: the appeal's body, when not yet its record's."""
    templates = rt.policy_set.replies
    if templates is None or kind not in templates.templates:
        return None, None
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
        return None, store.audit_row(now, SYSTEM, "reply.switched_off", appeal.id, message_kind=kind, why=why)
    given = dict(fields or {})
    due = given.pop("due", None) or due_of(appeal.id)
    body = body or appeal.body
    zone = ZoneInfo(rt.policy_set.calendar_for(body).timezone if body else rt.policy_set.directory.timezone)
    body_name = rt.policy_set.labels("body", body) if body else None
    values = {**common_fields(appeal.id, body_name, due, appeal.received_at, zone), **given}
    rendered = templates.render(kind, values, facts)
    if text and text.strip():
        rendered = dataclasses.replace(rendered, text=text.strip())
    status = "manual" if where.route == "manual" else "pending"
    details = {"subject": rendered.subject, "body": body, "body_name": body_name,
               "due": due.astimezone(zone).isoformat() if due else None}
    return author_messages.outgoing_row(appeal_id=appeal.id, kind=kind, route=where.route, address=where.address,
                                        text=rendered.text, idempotency_key=key, now=now, status=status,
                                        actor=actor, details=details), None


def _queued(appeal, row: dict, message_id: int, now: datetime) -> list[dict]:
    """What follows a message just queued: its audit lines; an Open311 request's is delivered at once (GET
    requests/<id> shows it from now on)."""
    kind, route = row["kind"], row["route"]
    audits = [store.audit_row(now, row["actor"], "reply.queued", appeal.id, message=message_id, message_kind=kind,
                              route=route)]
    if route == "open311":
        author_messages.mark_sent(message_id, now, platform_id=str(appeal.id))
        audits.append(store.audit_row(now, SYSTEM, "reply.sent", appeal.id, message=message_id, message_kind=kind,
                                      route="open311", platform_id=str(appeal.id)))
    log.info("appeal %s: %s for the author queued (%s)", appeal.id, kind, route)
    return audits


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
    return answer_among(author_messages.running_dues(appeal_id))


def answers_due(appeal_ids: list[int]) -> dict[int, datetime | None]:
    """``answer_due`` of many appeals, read in one statement."""
    running = author_messages.running_dues_of(appeal_ids)
    return {appeal_id: answer_among(running.get(appeal_id, [])) for appeal_id in appeal_ids}


def answer_among(dues: list[tuple[str, datetime]]) -> datetime | None:
    """``answer_due`` from an appeal's running clocks, (kind, due time) in the order they were started."""
    for kind in ANSWER_CLOCKS:
        found = next((due for k, due in dues if k == kind), None)
        if found is not None:
            return found
    return min((due for _, due in dues), default=None)
