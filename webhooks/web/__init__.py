"""Staff pages in Russian: login, the official's queue, the appeal card, the manager dashboard, the centre's
review queue of answers to appeals on control, the rules editor.

Server-rendered Jinja (autoescaped) with a little vanilla JavaScript from static/; no CDN, no build step.
Pages use the same login and roles as the API (webhooks.auth); forms carry the session's CSRF token.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..auth import check_role, identify
from ..errors import ApiError

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")

HOME = {"official": "web.queue", "manager": "web.dashboard", "policy": "web.rules", "admin": "web.dashboard",
        "curator": "web.review"}


def page(*roles: str):
    """A page for logged-in staff with one of `roles`; anonymous visitors go to the login form."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                caller = identify()
            except ApiError as exc:
                if exc.status == 401:
                    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
                raise
            check_role(caller, roles)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


@bp.app_context_processor
def _context():
    caller = g.get("caller")
    return {"caller": caller, "csrf_token": g.get("csrf_token", ""), "home_for": HOME,
            "caller_sectors": _sector_names(caller)}


def _sector_names(caller) -> str:
    """The Russian names of the sector blocks a manager leads, joined: «ЖКХ, Обращение с отходами (ТКО)»."""
    from engine.services.access import manager_sectors

    from ..runtime import runtime

    led = manager_sectors(caller) if caller is not None else frozenset()
    if not led:
        return ""
    names = runtime().policy_set.directory.sectors
    return ", ".join(names.get(code, code) for code in (caller.sectors or (caller.sector,)) if code in led)


@bp.errorhandler(ApiError)
def _page_error(exc: ApiError):
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


# Every answer of the app carries these; the pages need nothing from elsewhere, no inline script or
# style, and no frame of theirs may be shown inside another site (clickjacking). Swagger UI's icons
# are data: images.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


_SECURITY_HEADERS_BY_KEY = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS.items())


def _security_headers(response):
    """The headers above, where the answer has not set its own. The names it has are read once: werkzeug's
    `name in headers` raises and catches a KeyError (a BadRequestKeyError, built with its description) for
    every header missing, four an answer."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for key, name, value in _SECURITY_HEADERS_BY_KEY:
        if key not in present:
            headers.add(name, value)
    return response


def _policy_with_base_map(response):
    """With APPEALS_MAP_TILE_URL set, the maps draw tiles from its origin: img-src allows that origin
    and no other. Empty: the policy above, untouched. (Registered before _security_headers: Flask runs
    the last registered first, so this one reads the policy that one set.)"""
    from ..runtime import runtime

    tiles = runtime().settings.map_tiles
    if tiles is not None and response.headers.get("Content-Security-Policy") == SECURITY_HEADERS[
            "Content-Security-Policy"]:
        response.headers["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"].replace(
            "img-src 'self' data:;", f"img-src 'self' data: {tiles.origin};")
    return response


def register_web(app) -> None:
    from . import (  # noqa: F401  (they add routes and filters to bp)
        accept,
        analytics,
        dashboard,
        finding,
        formatting,
        incidents,
        login,
        marks,
        queue,
        review,
        rules,
    )

    app.register_blueprint(bp)
    app.after_request(_policy_with_base_map)
    app.after_request(_security_headers)
