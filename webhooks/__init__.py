"""The shell around engine/: the channel webhooks (channels/), the staff API (api/), the staff pages
(web/) and the `appeals` command line (cli.py, commands/), with the Flask application factory.

The shell parses, authenticates, calls a service of engine.services and renders the answer; it
never touches storage (an import contract in setup.cfg holds that line).
"""

from __future__ import annotations

import functools
from inspect import iscoroutinefunction

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from engine.services import database


@functools.lru_cache(maxsize=512)
def _is_async(func) -> bool:
    return iscoroutinefunction(func)


class _App(Flask):
    """Flask, asking once per view or hook whether it is a coroutine function: `ensure_sync` asked on every
    call, nine times a webhook (`inspect.iscoroutinefunction` unwraps and reads code flags each time)."""

    def ensure_sync(self, func):
        return self.async_to_sync(func) if _is_async(func) else func


def create_app(runtime=None, test_config: dict | None = None) -> Flask:
    """Build the app around a runtime (see engine.bootstrap); the default reads APPEALS_* variables."""
    if runtime is None:
        from engine.bootstrap import bootstrap

        runtime = bootstrap()
    from .bounded_json import BoundedJSONProvider

    app = _App(__name__)
    app.json = BoundedJSONProvider(app)  # request.get_json() reads with the one bounded reader
    app.config.update(
        MAX_CONTENT_LENGTH=runtime.settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    _configure_sessions(app, runtime.settings)
    if test_config:
        app.config.update(test_config)
    app.extensions["appeals_runtime"] = runtime
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    _trust_proxies(app, runtime.settings)

    @app.before_request
    def _whole_body_or_413():
        """A body sent without Content-Length (chunked) is cut at MAX_CONTENT_LENGTH by werkzeug
        without a word: read it here, and refuse it (413) when it goes on past the limit, so no
        view ever reads a truncated body as if it were whole."""
        if request.content_length is None and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            request.get_data(cache=True)
            request.stream.read(1)  # RequestEntityTooLarge when more was sent than the limit

    @app.before_request
    def _no_nul_in_parameters():
        """A NUL is part of no query parameter or form field, and PostgreSQL cannot even compare
        text holding one: refused here (400), before any view looks a value up."""
        # only these two kinds of body hold form fields (werkzeug parses no other): a JSON body is
        # not even handed to the form parser, which costs a webhook more than the check itself
        form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
        for values in (request.args, request.form) if form else (request.args,):
            for name, value in values.items(multi=True):
                if "\x00" in name or "\x00" in value:
                    raise BadRequest(f"в параметре {name[:40]!r} недопустимый символ NUL")

    @app.before_request
    def _connect():
        database.connect()

    @app.teardown_request
    def _release(exc):
        database.release()

    from . import errors, health
    from .api import alerts, appeals
    from .channels import generic, open311, telegram, vk

    errors.register_errors(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(generic.bp)
    app.register_blueprint(vk.bp)
    app.register_blueprint(telegram.bp)
    app.register_blueprint(open311.bp)
    app.register_blueprint(appeals.bp)
    app.register_blueprint(alerts.bp)
    from .api import clocks, reports

    app.register_blueprint(clocks.bp)
    app.register_blueprint(reports.bp)
    from .api import replies

    app.register_blueprint(replies.bp)
    from .api import rules

    app.register_blueprint(rules.bp)
    from .api import actions, directory, openapi, saved_filters
    from .web import register_web

    app.register_blueprint(actions.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(saved_filters.bp)
    app.register_blueprint(openapi.bp)
    from .api import tokens

    app.register_blueprint(tokens.bp)
    from .api import manual_replies, monitor_marks, watch

    app.register_blueprint(watch.bp)
    app.register_blueprint(monitor_marks.bp)
    app.register_blueprint(manual_replies.bp)
    from .api import incidents

    app.register_blueprint(incidents.bp)
    register_web(app)
    return app


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: an id the database can hold (1 … 2^63−1); a larger one is a page
    that does not exist (404), not an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def _trust_proxies(app: Flask, settings) -> None:
    """Behind APPEALS_TRUSTED_PROXIES reverse proxies, take the client's address (and scheme) from the
    X-Forwarded-For (-Proto) entries those proxies appended; with 0 the headers are ignored."""
    hops = getattr(settings, "trusted_proxies", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _configure_sessions(app: Flask, settings) -> None:
    """The staff web login: a signed cookie naming a server-side session (see webhooks.auth)."""
    import logging
    import secrets

    key = getattr(settings, "secret_key", "")
    if not key:
        logging.getLogger(__name__).warning("APPEALS_SECRET_KEY is not set: web logins last until a restart")
        key = secrets.token_hex(32)
    app.config.update(
        SECRET_KEY=key,
        SESSION_COOKIE_NAME="appeals_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
    )
    app.session_interface = _StaffOnlySessions()


class _StaffOnlySessions(SecureCookieSessionInterface):
    """Channels never log in: their requests skip the cookie session (and its signing) altogether."""

    CHANNEL_PATHS = ("/webhooks/", "/open311/")

    def open_session(self, app, request):
        if request.path.startswith(self.CHANNEL_PATHS):
            return None  # Flask gives the request a null session
        return super().open_session(app, request)
