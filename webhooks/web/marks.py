"""«Не обращение» on the appeal card: a curator or administrator closes a monitored appeal that was no
complaint (or takes a wrong mark back); engine.services.monitor_marks does it, the card shows the result."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from engine.services import monitor_marks

from ..auth import visible_appeal
from ..errors import ApiError
from ..runtime import runtime
from . import bp, page


@bp.post("/appeals/<int:appeal_id>/not-an-appeal")
@page(*monitor_marks.MARK_ROLES)
def not_an_appeal(appeal_id: int):
    visible_appeal(appeal_id)
    try:
        created = monitor_marks.mark_not_an_appeal(runtime(), appeal_id, actor=g.caller.actor,
                                                   comment=request.form.get("comment"))
    except monitor_marks.MarkRefused as exc:
        _refused(exc)
    else:
        flash("Отмечено «не обращение»: обращение закрыто, автору ничего не отправляется." if created
              else "Обращение уже отмечено «не обращение».", "ok")
    return redirect(url_for("web.appeal", appeal_id=appeal_id))


@bp.post("/appeals/<int:appeal_id>/not-an-appeal/undo")
@page(*monitor_marks.MARK_ROLES)
def undo_not_an_appeal(appeal_id: int):
    visible_appeal(appeal_id)
    try:
        monitor_marks.undo_mark(runtime(), appeal_id, actor=g.caller.actor, reason=request.form.get("reason", ""))
    except monitor_marks.MarkRefused as exc:
        _refused(exc)
    else:
        flash("Отметка «не обращение» снята: обращение снова в работе.", "ok")
    return redirect(url_for("web.appeal", appeal_id=appeal_id))


def _refused(exc: monitor_marks.MarkRefused) -> None:
    if exc.missing:
        raise ApiError(404, "not_found", str(exc))
    flash(str(exc), "error")
