"""«Не обращение»: staff mark an appeal the watch job made of a post or comment that was no complaint.

The mark closes the appeal — it is not a complaint: the status becomes ``closed`` with the reason «не
обращение», every clock stops (so the ladders stop), a draft answer under review is withdrawn, and the
replies not sent yet (queued ones, reply tasks for the operator) are withdrawn, so nothing reaches the
resident. All of it is one audited event (``monitor.not_an_appeal``: who, when, why, what it stopped).

A wrong mark is undone by the same roles (``undo_mark``, audited ``monitor.not_an_appeal_undone``): the
appeal goes back to the status it had (``in_progress`` when it waited for review: the draft stays
withdrawn; an approved answer waiting to be posted by hand waits again), the clocks the mark stopped run
again with a new term counted from the undo (as a reopened appeal's answer clocks do; a clock that waited
for the interim answer waits again), and the withdrawn replies are queued (or waiting for the operator)
again.

Every mark not undone is a case for the complaint stage (``appeals rules cases --from-marks``): the text
and ``complaint: false``, so policy staff can add them to ``rules/routing/monitoring_test.yaml`` and tune
the stage with cases and a backtest like any rule.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from engine.domain.vocabulary import MONITOR_CHANNEL
from engine.services.escalation import rearm_clock
from engine.store import answers as answer_store
from engine.store import appeals as appeal_store
from engine.store import author_messages
from engine.store import clocks as clock_store
from engine.store import manual_replies as manual_reply_store
from engine.store import watch as store
from engine.store.db import write_transaction

from . import clock_starts, clocks
from .review import HAND_PUBLISHED_ANSWER

if TYPE_CHECKING:
    from engine.runtime import Runtime

MARK_ROLES = ("curator", "admin")  # the centre's own staff: the mark tunes the centre's monitoring rules
REASON = "не обращение"
UNDO_REASON_MAX = 500  # characters, as the API takes it


class MarkRefused(ValueError):
    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def mark_not_an_appeal(rt: Runtime, appeal_id: int, *, actor: str, comment: str | None = None) -> bool:
    """Mark the monitored appeal and close it; False when it was marked before (nothing written again)."""
    now = rt.now()
    with write_transaction():
        appeal = _monitored(appeal_id)
        if store.is_marked(appeal_id):
            return False
        before = appeal.status
        running = [c.kind for c in appeal_store.clocks_of(appeal_id) if c.stopped_at is None and not c.waits_for]
        pending = [c.kind for c in appeal_store.clocks_of(appeal_id) if c.stopped_at is None and c.waits_for]
        clocks.stop_clocks(rt, appeal, now, actor=actor, reason=f"{REASON}: обращение закрыто")
        withdrawn = author_messages.cancel_waiting(appeal_id)
        for message in withdrawn:
            appeal_store.audit(now, actor, "reply.cancelled", appeal_id, message=message.id,
                               message_kind=message.kind, route=message.route, why=REASON)
        draft = answer_store.answer_under_review(appeal_id)
        if draft is not None:
            answer_store.mark_withdrawn(draft, actor, now)
        appeal_store.update_appeal(appeal, now, status="closed")
        appeal_store.audit(now, actor, store.NOT_AN_APPEAL, appeal_id, comment=(comment or "").strip()[:500] or None,
                           reason=REASON, status_before=before, status="closed", clocks_stopped=running,
                           clocks_pending=pending, answer_withdrawn=draft.id if draft else None,
                           replies_withdrawn={str(m.id): m.status for m in withdrawn})
    return True


def undo_mark(rt: Runtime, appeal_id: int, *, actor: str, reason: str) -> dict:
    """Take a wrong mark back: the appeal is worked again (see the module's docstring)."""
    reason = (reason or "").strip()
    if not reason:
        raise MarkRefused("укажите, почему отметка «не обращение» снимается")
    if len(reason) > UNDO_REASON_MAX:
        raise MarkRefused(f"почему отметка «не обращение» снимается — не длиннее {UNDO_REASON_MAX} знаков "
                          f"(сейчас {len(reason)})")
    now = rt.now()
    with write_transaction():
        appeal = _monitored(appeal_id)
        mark = store.standing_mark(appeal_id)
        if mark is None:
            raise MarkRefused("обращение не отмечено «не обращение»")
        if appeal.status != "closed":
            raise MarkRefused("обращение уже не закрыто: отметку снимать не нужно")
        details = mark.details or {}
        before = details.get("status_before") or "in_progress"
        why = f"отметка «{REASON}» снята: {reason}"
        restarted = []
        for clock in appeal_store.clocks_of(appeal_id):
            if clock.kind in details.get("clocks_stopped", []):
                clock_starts.restart_clock(rt, appeal, clock, now, actor=actor, reason=why)
                restarted.append(clock.kind)
            elif clock.kind in details.get("clocks_pending", []):
                clock_store.update_clock(clock, stopped_at=None)  # waits for the interim answer again
                rearm_clock(rt, clock, now)
                restarted.append(clock.kind)
        requeued = author_messages.restore_cancelled({int(k): v for k, v in
                                                      (details.get("replies_withdrawn") or {}).items()}, now)
        status = _status_after_undo(before, requeued)
        appeal_store.update_appeal(appeal, now, status=status)
        appeal_store.audit(now, actor, store.NOT_AN_APPEAL_UNDONE, appeal_id, reason=reason, status_before="closed",
                           status=status, clocks_restarted=restarted, replies_requeued=requeued)
    return {"appeal_id": appeal_id, "status": status, "clocks_restarted": restarted, "replies_requeued": requeued}


def _status_after_undo(before: str, requeued: list[int]) -> str:
    """The status the mark found, except a draft's review (the draft stays withdrawn: ``in_progress``); an
    approved answer whose reply task the operator is to post by hand waits in ``answer_review`` again, so
    posting it stops the clocks (engine.services.manual_replies)."""
    if before != "answer_review":
        return before
    carries_answer = any(HAND_PUBLISHED_ANSWER in (manual_reply_store.get(i).details or {}) for i in requeued)
    return "answer_review" if carries_answer else "in_progress"


def _monitored(appeal_id: int):
    appeal = appeal_store.get_appeal(appeal_id, for_update=True)
    if appeal is None:
        raise MarkRefused(f"обращения {appeal_id} нет", missing=True)
    if not made_by_watch(appeal):
        raise MarkRefused("«не обращение» отмечают только обращения, найденные наблюдением за стенами VK")
    return appeal


def made_by_watch(appeal) -> bool:
    """Whether the watch job's complaint stage made this appeal: the ``monitor`` channel, or the channel of
    a served community whose wall is watched, where the watch job records what it read — the watched
    wall and the stage's verdict — as the appeal's payload (engine.services.watch_poll). What residents
    write to a served community through its Callback API was judged by no complaint stage: not marked."""
    if appeal.channel == MONITOR_CHANNEL:
        return True
    try:
        payload = json.loads(appeal.raw_payload or "")
    except ValueError:
        return False
    return (isinstance(payload, dict) and isinstance(payload.get("watch"), int)
            and isinstance(payload.get("complaint"), dict) and isinstance(payload.get("owner_id"), int)
            and str(appeal.external_id).startswith((f"wall{payload['owner_id']}_", f"reply{payload['owner_id']}_")))


def may_mark(appeal, role: str) -> bool:
    """Whether the staff page offers «Не обращение» (or undoing it) on this appeal to this role."""
    return role in MARK_ROLES and made_by_watch(appeal)


def is_marked(appeal_id: int) -> bool:
    """Whether a mark not undone stands on the appeal."""
    return store.is_marked(appeal_id)


def cases_from_marks() -> list[dict]:
    """One case per marked appeal (marks undone are left out), as ``routing/monitoring_test.yaml`` takes it."""
    cases, seen = [], set()
    for mark, appeal in store.not_an_appeal_marks():
        if appeal.text in seen:
            continue
        seen.add(appeal.text)
        when = mark.at.strftime("%d.%m.%Y")
        cases.append({"name": f"не обращение: обращение {appeal.id}, отмечено {when}",
                      "given": {"text": appeal.text}, "expect": {"complaint": False}})
    return cases


__all__ = ["MARK_ROLES", "MarkRefused", "cases_from_marks", "is_marked", "mark_not_an_appeal",
           "may_mark", "undo_mark"]
