"""The centre checks answers before the resident sees them: appeals «на контроле».

An appeal is put on control by a rule (``then: {control: true}``, rules/routing/control.yaml) or by
hand (``put_on_control``; ``release_control`` takes it off). For an appeal on control an official's
answer, interim or final, is a draft (``AnswerRecord`` status ``review``) and the appeal waits in
``answer_review``: nothing reaches the author and nothing counts yet — the answer clocks keep running
and the ladders keep climbing. A curator, manager or administrator then either approves it
(``approve_answer``, optionally with an edited text), which publishes it, or returns it with remarks
(``return_answer``): the draft is kept as ``returned`` with the remarks, the appeal goes back to
``in_progress`` for the official to answer again. The curator (the directory's role) is alerted when a
draft waits, the executor when theirs is returned (engine.services.review_alerts).

``publish_answer`` is the one place an answer is published, on control or not: the answer record
becomes ``published`` with the text the author gets, and the clocks follow (an interim answer stops
the first-response clocks and starts the ones that wait for it; a final answer stops every clock and
the appeal is ``answered``) at the moment of publication.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.vocabulary import MONITOR_CHANNEL
from engine.store import answers as answer_store
from engine.store import appeals as store
from engine.store import author_messages

from . import clock_starts, clocks
from .access import visible_bodies
from .action_errors import ActionInvalid, ActionRefused
from .replies import announce
from .review_alerts import tell_executor, tell_reviewer

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

REVIEWERS = ("curator", "manager", "admin")  # approve or return a draft, put on control or take off it
FIRST_CLOCKS = ("first_response", "interim_answer", "notice")
KINDS = ("interim", "final")
HAND_PUBLISHED_ANSWER = "answer_counts_when_published"  # a reply task's detail: the answer it carries


def answer(rt: Runtime, appeal, params, caller, now: datetime) -> dict:
    """An official's answer: published at once, or a draft for review when the appeal is on control."""
    kind = params.get("kind", "final")
    if kind not in KINDS:
        raise ActionInvalid("kind", "вид ответа: interim (промежуточный) или final (по существу)")
    text = (params.get("text") or "").strip()
    if not text:
        raise ActionInvalid("text", "нужен текст ответа")
    who = caller.official_id or caller.actor
    if not appeal.on_control:
        record = answer_store.add_answer(appeal, kind, text, status="published", written_by=who, now=now,
                                         body=appeal.body)
        return publish_answer(rt, appeal, record, caller, now)
    record = answer_store.add_answer(appeal, kind, text, status="review", written_by=who, now=now, body=appeal.body)
    store.update_appeal(appeal, now, status="answer_review")
    tell_reviewer(rt, appeal, record, now)
    log.info("appeal %s: %s answer %s by %s waits for the centre's review", appeal.id, kind, record.id, who)
    return {"kind": kind, "text": text, "answer_id": record.id, "review": True}


def publish_answer(rt: Runtime, appeal, record, caller, now: datetime, *, text: str | None = None,
                   reviewed_by: str | None = None) -> dict:
    """Publish an answer: from now on it counts (see the module's docstring); in the caller's transaction.

    An appeal on control from a watched VK wall our community cannot write on, whose answer is therefore a
    reply task an operator posts by hand, keeps its clocks running and stays in ``answer_review`` until the task is
    marked «опубликовано вручную»; ``answer_took_effect`` then stops them at the moment of publication."""
    text = text or record.text
    answer_store.mark_published(record, text, now, reviewed_by=reviewed_by)
    result: dict = {"kind": record.kind, "text": text, "answer_id": record.id}
    reply_kind = f"{record.kind}_answer"  # to the resident on their channel, queued in this transaction
    queued = announce(rt, appeal, reply_kind, now, fields={"answer": text},
                      key=f"appeal:{appeal.id}:{reply_kind}:{record.id}", actor=caller.actor)
    if queued is not None:
        result["author_message"] = queued.id
    if appeal.on_control and appeal.channel == MONITOR_CHANNEL and queued is not None and queued.status == "manual":
        author_messages.add_details(queued.id, {HAND_PUBLISHED_ANSWER: record.id})
        store.update_appeal(appeal, now, status="answer_review")
        result["published_by_hand_pending"] = queued.id
        log.info("appeal %s: answer %s counts once reply task %s is published by hand", appeal.id, record.id,
                 queued.id)
        return result
    return result | answer_took_effect(rt, appeal, record, caller.actor, now, reviewed_by=reviewed_by)


def answer_took_effect(rt: Runtime, appeal, record, actor: str, now: datetime, *,
                       reviewed_by: str | None = None) -> dict:
    """The resident has the answer from ``now`` on: the clocks and the status follow (the module's docstring).
    Called at publication, or when the operator marks the answer's reply task published by hand."""
    reviewed = " (после проверки ЦУР)" if reviewed_by else ""
    if record.kind == "interim":
        why = "промежуточный ответ дан" + reviewed
        stopped = clocks.stop_clocks(rt, appeal, now, actor=actor, reason=why, kinds=FIRST_CLOCKS)
        started = clock_starts.start_waiting(rt, appeal, now, actor=actor, reason=why)
        if appeal.status == "answer_review":
            store.update_appeal(appeal, now, status="in_progress")
        return {"clocks_stopped": stopped,
                "clocks_started": [{"kind": e["clock"], "due_utc": e["due"]} for e in started]}
    result: dict = {}
    started = clock_starts.start_waiting(rt, appeal, now, actor=actor, pending=False,
                                   reason="окончательный ответ дан без промежуточного" + reviewed)
    result["clocks_stopped"] = clocks.stop_clocks(rt, appeal, now, actor=actor,
                                                  reason="ответ по существу дан" + reviewed)
    store.update_appeal(appeal, now, status="answered")
    if started:
        result["without_interim"] = [e["clock"] for e in started]
    return result


def approve_answer(rt: Runtime, appeal, params, caller, now: datetime) -> dict:
    draft = _draft(appeal)
    edited = (params.get("text") or "").strip()
    result = publish_answer(rt, appeal, draft, caller, now, text=edited or draft.text, reviewed_by=caller.actor)
    log.info("appeal %s: answer %s approved by %s", appeal.id, draft.id, caller.actor)
    return {**result, "written_by": draft.written_by, "edited": bool(edited) and edited != draft.text}


def return_answer(rt: Runtime, appeal, params, caller, now: datetime) -> dict:
    remarks = (params.get("remarks") or "").strip()
    if not remarks:
        raise ActionInvalid("remarks", "напишите, что исполнителю исправить: замечания обязательны")
    draft = _draft(appeal)
    answer_store.mark_returned(draft, remarks, caller.actor, now)
    tell_executor(rt, appeal, draft, now)
    log.info("appeal %s: answer %s returned by %s", appeal.id, draft.id, caller.actor)
    return {"kind": draft.kind, "answer_id": draft.id, "remarks": remarks, "written_by": draft.written_by}


def _draft(appeal):
    draft = answer_store.answer_under_review(appeal.id)
    if draft is None:
        raise ActionRefused("у обращения нет ответа, ожидающего проверки")
    return draft


def withdraw_draft(appeal, caller, now: datetime) -> int | None:
    """The appeal left review another way (rejected, re-routed): its draft will never be published."""
    draft = answer_store.answer_under_review(appeal.id)
    if draft is None:
        return None
    answer_store.mark_withdrawn(draft, caller.actor, now)
    return draft.id


def put_on_control(rt: Runtime, appeal, params, caller, now: datetime) -> dict:
    if appeal.on_control:
        raise ActionRefused("обращение уже на контроле")
    store.update_appeal(appeal, now, on_control=True)
    return {"on_control": True, "reason": (params.get("reason") or "").strip() or None}


def release_control(rt: Runtime, appeal, params, caller, now: datetime) -> dict:
    if not appeal.on_control:
        raise ActionRefused("обращение не на контроле")
    store.update_appeal(appeal, now, on_control=False)
    return {"on_control": False, "reason": (params.get("reason") or "").strip() or None}


def answers_view(appeal_id: int) -> list[dict]:
    """Every answer of the appeal, oldest first: drafts, returned ones with the remarks, published ones."""
    return [{
        "id": a.id, "kind": a.kind, "status": a.status, "text": a.text, "published_text": a.published_text,
        "written_by": a.written_by, "written_at": _iso(a.written_at), "reviewed_by": a.reviewed_by,
        "reviewed_at": _iso(a.reviewed_at), "remarks": a.remarks, "published_at": _iso(a.published_at),
    } for a in answer_store.answers_of(appeal_id)]


def _iso(value):
    return value.isoformat() if value else None


def review_queue(rt: Runtime, caller) -> list[dict]:
    """The centre's review queue: drafts waiting for approval within the caller's scope, the longest
    waiting first, each with its appeal, its body's name and the nearest running due time."""
    directory = rt.policy_set.directory
    items = []
    for draft in answer_store.drafts_under_review(visible_bodies(caller, directory)):
        appeal = draft.appeal
        running = [c.due_at for c in store.clocks_of(appeal.id) if c.stopped_at is None]
        items.append({"answer_id": draft.id, "appeal_id": appeal.id, "kind": draft.kind, "text": draft.text,
                      "written_by": draft.written_by, "written_at": draft.written_at, "body": appeal.body,
                      "body_name": directory.bodies[appeal.body].name if appeal.body in directory.bodies
                      else appeal.body, "appeal_text": appeal.text, "due": min(running) if running else None})
    return items
