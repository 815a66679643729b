"""The conversation with a resident as the reply delivery job leaves it (replies queued and marked sent with
the id the platform gave them: a VK comment id, a VK message id, a Telegram message_id), and the resident's
VK thread: their comment answered by ours, and their replies in it."""

from __future__ import annotations

from engine.services import credentials
from engine.services.access import Caller
from engine.services.actions import perform
from engine.store import author_messages
from engine.store.models import AppealRecord

from .moments import at
from .vk_callback import GROUP, SECRET, comment, event, post

OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads-official")
MANAGER = Caller(token_id=None, role="manager", label=None, user="centre-manager")

RESIDENT, NEIGHBOUR = 52_001_777, 52_009_999  # VK user ids: the author of comment 4051, and someone else
OUR_REPLY = 4060  # the comment id VK gave our answer under the resident's comment 4051


def sent_reply(rt, appeal_id: int, *, route: str, platform_id: str, address: dict, kind: str = "final_answer",
               text: str = "Яма заделана, спасибо за сообщение.") -> None:
    """A reply to the author that the platform accepted and numbered ``platform_id``: the one the action queued
    (an answer queues its reply), else one queued here; marked sent as the delivery job marks it."""
    now = rt.now()
    queued = [m for m in author_messages.of_appeal(appeal_id)
              if m.direction == "out" and m.kind == kind and m.status == "pending"]
    if queued:
        assert (queued[-1].route, queued[-1].address) == (route, address), (queued[-1].route, queued[-1].address)
        message_id = queued[-1].id
    else:
        key = f"appeal:{appeal_id}:{kind}:{platform_id}"
        assert author_messages.add_outgoing(appeal_id=appeal_id, kind=kind, route=route, address=address, text=text,
                                            idempotency_key=key, now=now, actor="system")
        message_id = author_messages.by_key(key).id
    assert author_messages.mark_sent(message_id, now, platform_id=platform_id)


def answered(rt, appeal_id: int, text: str = "Яма заделана, спасибо за сообщение.") -> None:
    """Taken by the roads official and answered on the merits now (a VK incident is on the centre's
    control: the manager approves the draft at once, so the answer is published now too)."""
    if AppealRecord.get_by_id(appeal_id).status == "routed":
        perform(rt, appeal_id, "take", {}, OFFICIAL)
    if perform(rt, appeal_id, "answer", {"kind": "final", "text": text}, OFFICIAL).get("review"):
        perform(rt, appeal_id, "approve_answer", {}, MANAGER)


def vk_channel(rt) -> str:
    """The community's channel, registered for its group."""
    credentials.add_channel(rt.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4", group_id=GROUP)
    return "gov-vk"


def answer_pit(rt, clock, client) -> int:
    """The resident's comment 4051 under post 812 (Mon 30 Nov 10:00), answered on Tue 1 Dec 12:00 with our
    reply comment 4060 under it; returns the appeal's id."""
    assert post(client, event("wall_reply_new", comment())).get_data(as_text=True) == "ok"
    appeal = AppealRecord.get()
    clock.set(at("Tue 2026-12-01 12:00 +0700"))
    answered(rt, appeal.id)
    sent_reply(rt, appeal.id, route="vk_comment", platform_id=str(OUR_REPLY),
               address={"owner_id": -GROUP, "post_id": 812, "comment_id": 4051, "group_id": GROUP})
    return appeal.id


def reply(text="Ничего не сделали, яма на месте", *, id=4071, to=OUR_REPLY, to_user=-GROUP, from_id=RESIDENT,
          stack=(4051,)) -> dict:
    """A reply in the thread of comment 4051 under post 812, as VK's Callback API sends it."""
    return comment(text, id=id, from_id=from_id, reply_to_comment=to, reply_to_user=to_user,
                   parents_stack=list(stack), date=1_764_900_000)
