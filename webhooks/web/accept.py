"""GET/POST /alerts/accept/<token>: the one-click «Принять» link of an alert e-mail, no login needed.

The GET shows the alert and submits its form by itself (a static script), so a person's click
acknowledges at once while a mail scanner that only fetches the link changes nothing; without
scripts the page shows the button. The POST acknowledges (engine.services.accept_links)."""

from __future__ import annotations

from flask import render_template

from engine.services.accept_links import accept_by_link, check_link

from ..auth import origin
from ..runtime import runtime
from . import bp

STATUS = {"ready": 200, "accepted": 200, "already": 200, "expired": 410, "invalid": 404}


def _who(actor: str | None) -> str:
    if not actor:
        return ""
    kind, _, name = actor.partition(":")
    if kind == "official":
        return runtime().policy_set.labels("official", name)
    return name if kind == "user" else "сотрудник"


def _page(outcome):
    return render_template("accept.html", outcome=outcome, who=_who(outcome.by),
                           recipient=runtime().policy_set.labels("official", outcome.recipient)), STATUS[outcome.result]


@bp.get("/alerts/accept/<token>")
def accept_link(token: str):
    return _page(check_link(runtime(), token))


@bp.post("/alerts/accept/<token>")
def accept_link_post(token: str):
    return _page(accept_by_link(runtime(), token, origin=origin()))
