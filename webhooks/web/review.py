"""The centre's review queue (/review): answers to appeals on control waiting for a curator, manager or admin."""

from __future__ import annotations

from flask import g, render_template

from engine.services.review import review_queue

from ..runtime import runtime
from . import bp, page


@bp.get("/review")
@page("curator", "manager", "admin")
def review():
    rt = runtime()
    return render_template("review.html", items=review_queue(rt, g.caller), now=rt.now())
