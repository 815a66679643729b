"""Every error leaves as JSON {"error": {"code", "message", "fields"?}}: registered here, once."""

from __future__ import annotations

import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .field_messages import russian_messages

log = logging.getLogger(__name__)


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
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; it has been logged")
