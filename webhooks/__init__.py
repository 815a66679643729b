"""The HTTP shell: channel webhooks and the staff API, built by an application factory."""

from __future__ import annotations

from flask import Flask

from engine.store.db import close_database, database


def create_app(runtime=None, test_config: dict | None = None) -> Flask:
    """Build the app around a runtime (see engine.bootstrap); the default reads APPEALS_* variables."""
    if runtime is None:
        from engine.bootstrap import bootstrap

        runtime = bootstrap()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=runtime.settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)
    app.extensions["appeals_runtime"] = runtime

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        close_database()

    from . import errors, health
    from .api import alerts, appeals
    from .channels import generic

    errors.register_errors(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(generic.bp)
    app.register_blueprint(appeals.bp)
    app.register_blueprint(alerts.bp)
    return app
