"""Every error leaves as JSON {"error": {"code", "message", "fields"?}}: registered here, once."""

from __future__ import annotations

import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.services import database
from engine.services.encryption_keys import SecretUnreadable

from .field_messages import russian_messages

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5  # what a 503 asks a channel to wait before it retries


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    payload = {"code": code, "message": message}
    if fields:
        payload["fields"] = fields
    response = jsonify({"error": payload})
    response.status_code = status
    return response


def register_errors(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        fields = russian_messages(exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
        return error_response(422, "invalid_fields", "поля заполнены неверно: " + ", ".join(sorted(fields)),
                              fields)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if database.unavailable(exc):
            database.discard()  # a lost connection is not given back to the pool; the next request reconnects
            log.warning("database unavailable: %s", exc)
            response = error_response(503, "database_unavailable",
                                      "the database is not reachable at the moment; retry later")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if isinstance(exc, SecretUnreadable):  # the key was removed too early: channels retry until it is back
            log.error("%s", exc)
            response = error_response(503, "credentials_unreadable",
                                      "the channel's stored credentials cannot be decrypted at the moment; retry later")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; it has been logged")
