"""Who is calling: a bearer token (API clients) or a web session cookie (staff pages), and what they may do.

A session may call the API too (the pages' scripts do), but then every unsafe request must carry the
session's CSRF token in the `X-CSRF-Token` header or a `csrf_token` form field. A bearer token is
never sent by a browser on its own, so it needs none.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from functools import wraps

from flask import g, request, session

from engine.services import access, appeal_queries, credentials, users
from engine.wording.labels import LABELS

from .errors import ApiError
from .runtime import runtime

SESSION_KEY = "sid"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def origin() -> str | None:
    """Where the request came from, for the audit log: the peer's address, or behind
    APPEALS_TRUSTED_PROXIES reverse proxies the client they forwarded (ProxyFix in create_app)."""
    return request.remote_addr


def identify() -> access.Caller:
    """The caller of this request, or ApiError 401/403 (a bad or missing CSRF token is 403)."""
    if "caller" in g:
        return g.caller
    header = request.headers.get("Authorization", "")
    now = runtime().now()
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "нужен заголовок Authorization: Bearer <токен>")
        caller = credentials.authenticate(token.strip(), now)
        if caller is None:
            raise ApiError(401, "unauthorized", "токен неизвестен, отозван или истёк")
    else:
        web = users.session_for(session[SESSION_KEY], now) if session.get(SESSION_KEY) else None
        if web is None:
            raise ApiError(401, "unauthorized", "нужен заголовок Authorization: Bearer <токен> или вход на сайт")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
            if not hmac.compare_digest(sent.encode(), web.csrf_token.encode()):
                raise ApiError(403, "csrf",
                               "форма устарела или отправлена не с наших страниц; обновите страницу и повторите")
        g.csrf_token = web.csrf_token
        caller = web.caller
    g.caller = replace(caller, origin=origin())
    return g.caller


def check_role(caller: access.Caller, roles: tuple[str, ...]) -> None:
    if roles and caller.role not in roles:
        raise ApiError(403, "forbidden", f"роли «{LABELS('staff_role', caller.role)}» это недоступно")


def require_role(*roles: str):
    """Let the view run only for callers with one of `roles` (any authenticated caller when none)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_role(identify(), roles)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def visible_bodies() -> frozenset[str] | None:
    return access.visible_bodies(g.caller, runtime().policy_set.directory)


def visible_sectors() -> frozenset[str] | None:
    """Sector blocks whose appeals the caller sees besides the bodies (a sector head's)."""
    return access.visible_sectors(g.caller)


def visible_appeal(appeal_id: int):
    """The appeal when the caller's scope covers it; otherwise 404 (its existence is not revealed)."""
    try:
        return appeal_queries.visible_appeal(runtime(), g.caller, appeal_id)
    except appeal_queries.AppealNotFound:
        raise ApiError(404, "not_found", f"обращение №{appeal_id} не найдено") from None
