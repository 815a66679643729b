"""Open311 GeoReport v2 under /open311/v2/: services, posting a service request, reading one back.

`api_key` (form field or JSON) is the credential of a channel of kind `open311`; service codes are
the topics of rules/topics.yaml; errors leave as Open311's `[{code, description}]`; times are
ISO 8601 with the offset of the responsible body's zone.
"""

from __future__ import annotations

import json
import logging
import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import HTTPException

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import access
from engine.services.views import deadlines_brief
from engine.store import access as channel_store
from engine.store import appeals as appeal_store

from ..runtime import runtime
from .receiving import accept

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

MAX_TEXT = 100_000
CLOSED_STATUSES = ("answered", "closed", "resolved", "rejected", "archived")


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _errors(status: int, descriptions: list[str]):
    return jsonify([{"code": status, "description": d} for d in descriptions]), status


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return _errors(exc.status, [exc.description])


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"request": exc.messages}
    return _errors(400, [f"{field}: {'; '.join(map(str, _flat(msg)))}" for field, msg in sorted(messages.items())])


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return _errors(exc.code or 400, [exc.description or exc.name])


def _flat(msg):
    if isinstance(msg, dict):
        return [f"{k}: {'; '.join(map(str, _flat(v)))}" for k, v in msg.items()]
    return msg if isinstance(msg, list) else [msg]


class Open311RequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    api_key = fields.String(required=True, validate=validate.Length(min=1, max=300))
    jurisdiction_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address_string = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    address_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    first_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=150))
    last_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=150))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    device_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    media_url = fields.Url(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _location(self, data, **kwargs):
        has_point = data.get("lat") is not None and data.get("long") is not None
        if not (has_point or data.get("address_string") or data.get("address_id")):
            raise ValidationError("give lat and long, address_string or address_id", "location")


def _services(rt) -> dict:
    reader = rt.policy.reader
    return reader.lexicon.topics if reader else {}


@bp.get("/services.json")
def services():
    rt = runtime()
    return jsonify([
        {
            "service_code": topic.code,
            "service_name": topic.name,
            "description": topic.description,
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(topic.keywords),
            "group": rt.policy.directory.sectors.get(topic.code, topic.name),
        }
        for topic in _services(rt).values()
    ])


@bp.post("/requests.json")
def post_request():
    rt = runtime()
    now = rt.now()
    form = _body()
    attributes = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    data = Open311RequestSchema().load({k: v for k, v in form.items() if not k.startswith("attribute[")})
    channel = _channel_for(data["api_key"], now)
    region = rt.policy.directory_doc.get("region")
    if data["jurisdiction_id"] and data["jurisdiction_id"] != region:
        raise Open311Error(404, f"jurisdiction_id {data['jurisdiction_id']!r} is not served here")
    if data["service_code"] not in _services(rt):
        raise Open311Error(404, f"service_code {data['service_code']!r} is not a service; see services.json")
    name = " ".join(filter(None, (data["first_name"], data["last_name"]))) or None
    contact = data["email"] or data["phone"]
    incoming = IncomingAppeal(
        channel=channel,
        external_id=f"o311-{uuid.uuid4().hex}",
        text=data["description"],
        received_at=now,
        author=Author(name=name, type="citizen" if (name or contact) else "anonymous", contact=contact),
        author_id=f"email:{data['email'].casefold()}" if data["email"] else None,
        address=data["address_string"],
        lat=data["lat"],
        long=data["long"],
        category=data["service_code"],
        regime="other",
        attachments=(data["media_url"],) if data["media_url"] else (),
    )
    raw = json.dumps({k: v for k, v in form.items() if k != "api_key"} | {"attribute": attributes},
                     ensure_ascii=False, sort_keys=True)
    received = accept(rt, incoming, raw)
    return jsonify([{
        "service_request_id": str(received.appeal_id),
        "service_notice": "Обращение зарегистрировано; статус: requests/{id}.json".replace("{id}",
                                                                                          str(received.appeal_id)),
        "account_id": data["account_id"],
    }]), 201


@bp.get("/requests/<request_id>.json")
def get_request(request_id: str):
    rt = runtime()
    appeal = appeal_store.get_appeal(int(request_id)) if request_id.isdigit() and len(request_id) < 18 else None
    channel = channel_store.get_channel(appeal.channel) if appeal else None
    if appeal is None or channel is None or channel.kind != "open311":
        raise Open311Error(404, f"no service request {request_id!r}")
    return jsonify([_view(rt, appeal)])


def _view(rt, appeal) -> dict:
    zone = ZoneInfo(rt.policy.calendar_for(appeal.body).timezone if appeal.body else rt.policy.directory.timezone)
    clocks = deadlines_brief(rt, appeal.id)
    answer = next((c for c in clocks if c["kind"] == "answer"), None) or (clocks[-1] if clocks else None)
    body = rt.policy.directory.bodies.get(appeal.body) if appeal.body else None
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if appeal.status in CLOSED_STATUSES else "open",
        "status_notes": appeal.status,
        "service_code": appeal.category,
        "description": appeal.text,
        "agency_responsible": body.name if body else None,
        "service_notice": None,
        "requested_datetime": appeal.received_at.astimezone(zone).isoformat(),
        "updated_datetime": appeal.updated_at.astimezone(zone).isoformat(),
        "expected_datetime": answer["due"] if answer else None,
        "address": appeal.address,
        "lat": appeal.lat,
        "long": appeal.long,
        "media_url": (appeal.attachments or [None])[0],
    }


def _body() -> dict:
    """Form-encoded (the standard) or a JSON object; values as strings or scalars."""
    if request.is_json:
        try:
            payload = json.loads(request.get_data(cache=True).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Open311Error(400, f"the body is not valid UTF-8 JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise Open311Error(400, "the body must be a JSON object")
        return payload
    return request.form.to_dict()


def _channel_for(api_key: str, now) -> str:
    for record in channel_store.list_channels():
        if record.kind == "open311" and access.secret_matches(record, api_key, now):
            return record.name
    raise Open311Error(403, "api_key is not valid")
