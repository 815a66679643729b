"""Access to the runtime the app was built with."""

from __future__ import annotations

from flask import current_app


def runtime():
    return current_app.extensions["appeals_runtime"]
