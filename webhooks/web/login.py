"""GET/POST /login, POST /logout and / (each role's home page)."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from engine.services import users

from ..auth import SESSION_KEY, identify, origin
from ..errors import ApiError
from ..runtime import runtime
from . import HOME, bp, page

LOGIN_CSRF = "login_csrf"


@bp.get("/")
def home():
    try:
        caller = identify()
    except ApiError:
        return redirect(url_for("web.login"))
    return redirect(url_for(HOME.get(caller.role, "web.login")))


@bp.get("/login")
def login():
    return _form()


def _form(error: str | None = None, status: int = 200):
    session.setdefault(LOGIN_CSRF, secrets.token_urlsafe(32))
    return render_template("login.html", error=error, login_csrf=session[LOGIN_CSRF],
                           next=request.values.get("next", "")), status


@bp.post("/login")
def login_post():
    sent = request.form.get("csrf_token", "")
    expected = session.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _form("Форма устарела, попробуйте ещё раз.", 400)
    rt = runtime()
    found = users.log_in(rt.now(), request.form.get("login", "").strip(), request.form.get("password", ""),
                         hours=rt.settings.session_hours, origin=origin())
    if found is None:
        return _form("Неверный логин или пароль, либо вход временно заблокирован.", 401)
    key, web = found
    session.clear()  # a fresh cookie: no fixation of a session planted before the login
    session[SESSION_KEY] = key
    session.permanent = False
    return redirect(_own_page(request.form.get("next", "")) or url_for(HOME.get(web.caller.role, "web.home")))


def _own_page(target: str) -> str | None:
    """``target`` when it is a page of this application, else None (no open redirect). Browsers drop
    tabs and line breaks from a URL and read a backslash as a slash, so a target holding any of
    them, or anything but a path and query of our own routes, is refused outright."""
    if not target or any(c in target for c in "\\\t\r\n") or not target.isprintable() or not target.isascii():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return target


@bp.post("/logout")
@page(*users.WEB_ROLES)
def logout():
    users.log_out(session.get(SESSION_KEY, ""), runtime().now(), origin=origin())
    session.clear()
    return redirect(url_for("web.login"))
