"""POST /webhooks/generic/<channel>: our neutral, HMAC-signed appeal format."""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from engine.domain import time_range
from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.author_keys import author_key
from engine.domain.signature import SignatureError, verify
from engine.domain.vocabulary import AUTHOR_TYPES, MAX_TEXT, REGIMES, URGENCIES
from engine.services import credentials
from engine.services.appeal_queries import stored_appeal
from engine.services.channel_events import receive_from_channel
from engine.services.views import deadlines_brief

from ..errors import ApiError
from ..runtime import runtime
from .receiving import channel_of_kind, json_object, with_current_credentials

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("generic", __name__, url_prefix="/webhooks/generic")


def _not_blank(text: str) -> None:
    """Refuse a text of nothing but spaces, line breaks and invisible characters."""
    if all(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") for c in text):
        raise ValidationError("the text is blank")


class GenericAuthorSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    type = fields.String(load_default="citizen", validate=validate.OneOf(AUTHOR_TYPES))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class GenericAppealSchema(Schema):
    class Meta:
        unknown = RAISE

    external_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_TEXT), _not_blank])
    received_at = fields.AwareDateTime(load_default=None, allow_none=True)
    author = fields.Nested(GenericAuthorSchema, load_default=None, allow_none=True)
    municipality = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    subcategory = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    fz59 = fields.Boolean(load_default=False)
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    regime = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REGIMES))
    attachments = fields.List(fields.Url(), load_default=list, validate=validate.Length(max=50))


_SCHEMA = GenericAppealSchema()  # built once: a schema's fields are copied for every instance
AHEAD = timedelta(minutes=5)  # a channel's clock may run this much ahead of ours: taken as now


def load_appeal(payload: dict, *, channel: str, now) -> IncomingAppeal:
    """Validate a generic appeal (ValidationError names the fields) and normalise it."""
    data = _SCHEMA.load(payload)
    author = data.pop("author") or {"type": "citizen"}
    received_at = data.pop("received_at") or now
    if not (time_range.within(received_at) and received_at <= now + AHEAD):
        raise ValidationError({"received_at": [
            f"expected a time from {time_range.EARLIEST:%d.%m.%Y} up to now ({now.isoformat()})"]})
    received_at = min(received_at, now)
    return IncomingAppeal(
        channel=channel,
        received_at=received_at,
        author=Author(**author),
        author_id=author_key(author.get("contact")),
        attachments=tuple(data.pop("attachments")),
        **data,
    )


@bp.post("/<channel>")
def receive(channel: str):
    rt = runtime()
    now = rt.now()
    record = channel_of_kind(channel, "generic", "generic")
    raw = request.get_data(cache=True)  # 413 here when over the limit, before anything else

    def signed(channel_row) -> None:
        verify(
            credentials.channel_secrets(channel_row, now),
            request.headers.get("X-Appeals-Timestamp"),
            request.headers.get("X-Appeals-Signature"),
            raw,
            now=now.timestamp(),
            tolerance=rt.settings.signature_tolerance,
        )

    try:
        with_current_credentials(record, signed)
    except SignatureError as exc:
        log.warning("channel %s: rejected webhook: %s", channel, exc)
        raise ApiError(401, "bad_signature", str(exc)) from None
    text, payload = json_object(raw)
    incoming = load_appeal(payload, channel=channel, now=now)  # 422 via errors.py
    received = receive_from_channel(rt, incoming, text)  # stored, then routed (now or by the worker) when new
    if received.created and not received.routed:  # nothing more to read: it waits for the worker
        return Response(json.dumps(_queued(received.appeal_id)), 202, mimetype="application/json")
    appeal = stored_appeal(received.appeal_id)
    return jsonify(_answer(rt, appeal)), 202 if received.created else 200


def _queued(appeal_id: int) -> dict:
    return {"appeal_id": appeal_id, "status": "received", "routed_to": None, "deadlines": []}


def _answer(rt: Runtime, appeal) -> dict:
    return {
        "appeal_id": appeal.id,
        "status": appeal.status,
        "routed_to": {"body": appeal.body, "role": appeal.role} if appeal.body else None,
        "deadlines": deadlines_brief(rt, appeal.id),
    }
