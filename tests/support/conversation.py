"""The conversation with a resident as the reply delivery job leaves it: replies queued and marked sent with
the id the platform gave them (a VK comment id, a VK message id, a Telegram message_id)."""

from __future__ import annotations

from engine.services.access import Caller
from engine.services.actions import perform
from engine.store import author_messages
from engine.store.models import AppealRecord

OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads-official")
MANAGER = Caller(token_id=None, role="manager", label=None, user="centre-manager")


def sent_reply(rt, appeal_id: int, *, route: str, platform_id: str, address: dict, kind: str = "final_answer",
               text: str = "Яма заделана, спасибо за сообщение.") -> None:
    """A reply to the author that the platform accepted and numbered ``platform_id``."""
    now = rt.now()
    key = f"appeal:{appeal_id}:{kind}:{platform_id}"
    assert author_messages.add_outgoing(appeal_id=appeal_id, kind=kind, route=route, address=address, text=text,
                                        idempotency_key=key, now=now, actor="system")
    assert author_messages.mark_sent(author_messages.by_key(key).id, now, platform_id=platform_id)


def answered(rt, appeal_id: int, text: str = "Яма заделана, спасибо за сообщение.") -> None:
    """Taken by the roads official and answered on the merits now."""
    if AppealRecord.get_by_id(appeal_id).status == "routed":
        perform(rt, appeal_id, "take", {}, OFFICIAL)
    perform(rt, appeal_id, "answer", {"kind": "final", "text": text}, OFFICIAL)
