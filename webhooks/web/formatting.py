"""What every staff page uses to show data: codes by their Russian names (the running policy set's labels),
times in the page's zone as дд.мм.гггг чч:мм (the zone named once, in the page's header), people by name.

A view that shows one body's appeal sets the page's zone to that body's (``use_zone``); otherwise it is the
centre's (the directory's time zone)."""

from __future__ import annotations

from flask import g

from engine.services.users import list_users
from engine.wording.staff import actor_name, detail_pairs, local_time, zone_words

from ..runtime import runtime
from . import bp


def labels():
    return runtime().policy_set.labels


def page_zone() -> str:
    return g.get("page_zone") or runtime().policy_set.directory.timezone


def use_zone(zone: str) -> None:
    """Times on this page are shown in ``zone`` (an appeal's body's)."""
    g.page_zone = zone


def people() -> dict[str, str]:
    """Staff login → name, read once per request."""
    if "people" not in g:
        g.people = {u.login: u.name or u.login for u in list_users()}
    return g.people


@bp.app_context_processor
def _names():
    return {"labels": labels, "page_zone_words": lambda: zone_words(page_zone(), labels(), runtime().now())}


@bp.app_template_filter("label")
def _label(code, kind: str) -> str:
    return labels()(kind, code) if code not in (None, "") else "—"


@bp.app_template_filter("local")
def _local(moment, zone: str | None = None) -> str:
    return local_time(moment, zone or page_zone())


@bp.app_template_filter("local_iso")
def _local_iso(value, zone: str | None = None) -> str:
    return local_time(value, zone or page_zone())


@bp.app_template_filter("actor")
def _actor(actor: str | None) -> str:
    return actor_name(actor, labels(), people())


@bp.app_template_filter("person")
def _person(who: str | None) -> str:
    """An official of the directory by name, or a staff login (who took the appeal) by the user's name."""
    if not who:
        return "—"
    found = labels()
    if found.has("official", who):
        return found("official", who)
    return actor_name(who if ":" in who else f"user:{who}", found, people())


@bp.app_template_filter("details")
def _details(details) -> list[tuple[str, str]]:
    return detail_pairs(details, labels(), page_zone(), people())


@bp.app_template_filter("shown_details")
def _shown_details(details) -> list[tuple[str, str]]:
    return detail_pairs(details, labels(), page_zone(), people())


@bp.app_template_filter("status_title")
def _status_title(status: str) -> str:
    return labels()("status", status)
