"""Open311 GeoReport v2 under /open311/v2/: services and their definitions, posting a service
request, reading one back, and the list of requests with the specification's filters.

`api_key` (form field or JSON) is the credential of a channel of kind `open311`; service codes are
the topics of rules/lexicon.yaml and their attributes the topic's `attributes:`; errors leave as
Open311's `[{code, description}]`; times are ISO 8601 with the offset of the responsible body's zone.
Every resource answers as `.json` and as `.xml` (the specification's two formats; the XML elements
are named as the specification's examples: `services/service`, `service_definition`,
`service_requests/request`, `errors/error`).

Retries: GeoReport v2 defines no idempotency for `POST requests`. A client that may retry sends an
`Idempotency-Key` header (1–128 visible ASCII characters, unique per request it means); the key
becomes the appeal's external id on that channel, so a retry answers the same `service_request_id`
and stores nothing new, and the same key with a different request is refused (422). Without the
header every POST is a new request.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import HTTPException

from engine.classify.attributes import SUBTOPIC, check_values
from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.vocabulary import FINISHED_STATUSES, MAX_TEXT
from engine.services import credentials
from engine.services.views import clock_view
from engine.store import appeals as appeal_store
from engine.store import credentials as channel_store
from engine.store import open311 as open311_store

from ..runtime import runtime
from .receiving import accept

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

MAX_RESULTS = 1000  # the specification's suggested cap on one list
DEFAULT_SPAN = timedelta(days=90)  # the list's default window, and the widest one allowed
MAX_KEY = 128


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _errors(status: int, descriptions: list[str]):
    return _answer([{"code": status, "description": d} for d in descriptions], "errors", "error", status)


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


def _route(method: str, stem: str):
    """The view at `stem.json` and at `stem.xml` (literal paths; the view gets `fmt`)."""
    def register(view):
        for fmt in ("json", "xml"):
            bp.route(f"{stem}.{fmt}", methods=[method], defaults={"fmt": fmt})(view)
        return view
    return register


def _answer(payload, root: str, item: str | None, status: int = 200):
    """JSON, or XML when the path ends in .xml: `root` wraps the list's `item` elements (or is the
    element of a single object); nested lists are wrapped the same way (attributes/attribute…)."""
    if not request.path.endswith(".xml"):
        return jsonify(payload), status
    element = ElementTree.Element(root)
    for entry in (payload if item else [payload]):
        _xml(ElementTree.SubElement(element, item) if item else element, entry)
    text = ElementTree.tostring(element, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + text, status, mimetype="text/xml")


XML_ITEMS = {"attributes": "attribute", "values": "value"}


def _xml(parent, entry: dict) -> None:
    for key, value in entry.items():
        child = ElementTree.SubElement(parent, key)
        if isinstance(value, list):
            for sub in value:
                _xml(ElementTree.SubElement(child, XML_ITEMS.get(key, "item")), sub)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


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


_REQUEST = Open311RequestSchema()  # built once: a schema copies its fields for every instance


def _services(rt: Runtime) -> dict:
    reader = rt.policy_set.reader
    return reader.lexicon.topics if reader else {}


def _jurisdiction(rt: Runtime, given) -> None:
    region = rt.policy_set.directory_doc.get("region")
    if given and given != region:
        raise Open311Error(404, f"jurisdiction_id {given!r} is not served here")


@_route("GET", "/services")
def services(fmt: str):
    rt = runtime()
    _jurisdiction(rt, request.args.get("jurisdiction_id"))
    return _answer([
        {
            "service_code": topic.code,
            "service_name": topic.name,
            "description": topic.description,
            "metadata": bool(topic.attributes),
            "type": "realtime",
            "keywords": ", ".join(topic.keywords),
            "group": rt.policy_set.directory.sectors.get(topic.code, topic.name),
        }
        for topic in _services(rt).values()
    ], "services", "service")


@_route("GET", "/services/<service_code>")
def service_definition(service_code: str, fmt: str):
    rt = runtime()
    _jurisdiction(rt, request.args.get("jurisdiction_id"))
    topic = _services(rt).get(service_code)
    if topic is None:
        raise Open311Error(404, f"service_code {service_code!r} is not a service; see services.json")
    return _answer({
        "service_code": topic.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": order,
                "description": a.description,
                **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {}),
            }
            for order, a in enumerate(topic.attributes, start=1)
        ],
    }, "service_definition", None)


@_route("POST", "/requests")
def post_request(fmt: str):
    rt = runtime()
    now = rt.now()
    form, given = _body()
    data = _REQUEST.load(form)
    channel = _channel_for(data["api_key"], now)
    _jurisdiction(rt, data["jurisdiction_id"])
    topic = _services(rt).get(data["service_code"])
    if topic is None:
        raise Open311Error(404, f"service_code {data['service_code']!r} is not a service; see services.json")
    attributes, wrong = check_values(topic.attributes, given)
    if wrong:
        raise Open311Error(400, "; ".join(f"attribute[{code}]: {why}" for code, why in sorted(wrong.items())))
    key = _idempotency_key()
    name = " ".join(filter(None, (data["first_name"], data["last_name"]))) or None
    contact = data["email"] or data["phone"]
    incoming = IncomingAppeal(
        channel=channel,
        external_id=f"o311-key-{key}" if key else f"o311-{uuid.uuid4().hex}",
        text=data["description"],
        received_at=now,
        author=Author(name=name, type="citizen" if (name or contact) else "anonymous", contact=contact),
        author_id=f"email:{data['email'].casefold()}" if data["email"] else None,
        address=data["address_string"],
        lat=data["lat"],
        long=data["long"],
        category=data["service_code"],
        subcategory=attributes.get(SUBTOPIC) if isinstance(attributes.get(SUBTOPIC), str) else None,
        regime="other",
        attachments=(data["media_url"],) if data["media_url"] else (),
    )
    raw = json.dumps({k: v for k, v in form.items() if k != "api_key"} | {"attribute": attributes},
                     ensure_ascii=False, sort_keys=True, default=str)
    received = accept(rt, incoming, raw)
    if not received.created:
        stored = appeal_store.get_appeal(received.appeal_id)
        if stored.raw_payload != raw.replace("\x00", ""):
            raise Open311Error(422, "Idempotency-Key was already used for a different request")
        log.info("channel %s: Open311 request retried with its key; appeal %s answered again", channel,
                 received.appeal_id)
    answer = _answer([{
        "service_request_id": str(received.appeal_id),
        "service_notice": f"Обращение зарегистрировано; статус: requests/{received.appeal_id}.{fmt}",
        "account_id": data["account_id"],
    }], "service_requests", "request", 201)
    if not received.created:
        answer[0].headers["Idempotent-Replayed"] = "true"
    return answer


@_route("GET", "/requests/<request_id>")
def get_request(request_id: str, fmt: str):
    rt = runtime()
    appeal = appeal_store.get_appeal(int(request_id)) if request_id.isdigit() and len(request_id) < 18 else None
    channel = channel_store.get_channel(appeal.channel) if appeal else None
    if appeal is None or channel is None or channel.kind != "open311":
        raise Open311Error(404, f"no service request {request_id!r}")
    clocks = open311_store.clocks_by_appeal([appeal.id])
    return _answer([_view(rt, appeal, clocks[appeal.id])], "service_requests", "request")


@_route("GET", "/requests")
def list_requests(fmt: str):
    """GET Service Requests: `service_request_id` (comma list; the other filters are then ignored),
    `service_code` (comma list), `start_date`/`end_date` (ISO 8601; at most 90 days apart, the last 90
    days by default), `status` (open, closed, or both comma separated); newest first, at most 1000."""
    rt = runtime()
    now = rt.now()
    args = request.args
    _jurisdiction(rt, args.get("jurisdiction_id"))
    ids = _list(args, "service_request_id")
    query = {"ids": None, "categories": None, "start": None, "end": None, "closed": None}
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"service_request_id: at most {MAX_RESULTS} ids")
        query["ids"] = [int(i) for i in ids if i.isdigit() and len(i) < 18]
    else:
        start, end = _date(rt, args, "start_date"), _date(rt, args, "end_date")
        if start is None and end is None:
            end = now
        start = start if start is not None else end - DEFAULT_SPAN
        end = end if end is not None else start + DEFAULT_SPAN
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > DEFAULT_SPAN:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        statuses = set(_list(args, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status: expected open, closed or both, comma separated")
        query.update(categories=_list(args, "service_code"), start=start, end=end,
                     closed=None if len(statuses) != 1 else statuses == {"closed"})
    channels = [c.name for c in channel_store.list_channels() if c.kind == "open311"]
    found = open311_store.list_requests(channels=channels, limit=MAX_RESULTS, **query)
    clocks = open311_store.clocks_by_appeal([a.id for a in found])
    return _answer([_view(rt, a, clocks[a.id]) for a in found], "service_requests", "request")


def _list(args, name: str) -> list[str]:
    """A parameter given comma separated and/or repeated, without blanks or repeats."""
    values = [v.strip() for given in args.getlist(name) for v in given.split(",")]
    return list(dict.fromkeys(v for v in values if v))


def _date(rt: Runtime, args, name: str) -> datetime | None:
    value = args.get(name)
    if not value:
        return None
    try:
        if len(value) == 10:  # a date alone: midnight in the region's zone
            moment = datetime.combine(date.fromisoformat(value), time(), ZoneInfo(rt.policy_set.directory.timezone))
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}: expected ISO 8601, e.g. 2026-11-30T10:00:00+07:00") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}: give the time zone offset, e.g. +07:00 or Z")
    return moment


def _view(rt: Runtime, appeal, clocks) -> dict:
    policy_set = rt.policy_set
    zone = ZoneInfo(policy_set.calendar_for(appeal.body).timezone if appeal.body else policy_set.directory.timezone)
    now = rt.now()
    views = [clock_view(rt, c, now) for c in clocks]
    answer = next((c for c in views if c["kind"] == "answer"), None) or (views[-1] if views else None)
    body = rt.policy_set.directory.bodies.get(appeal.body) if appeal.body else None
    topic = _services(rt).get(appeal.category) if appeal.category else None
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if appeal.status in FINISHED_STATUSES else "open",
        "status_notes": appeal.status,
        "service_name": topic.name if topic else None,
        "service_code": appeal.category,
        "description": appeal.text,
        "agency_responsible": body.name if body else None,
        "service_notice": None,
        "requested_datetime": appeal.received_at.astimezone(zone).isoformat(),
        "updated_datetime": appeal.updated_at.astimezone(zone).isoformat(),
        "expected_datetime": answer["due"] if answer else None,
        "address": appeal.address,
        "address_id": None,
        "zipcode": None,
        "lat": appeal.lat,
        "long": appeal.long,
        "media_url": (appeal.attachments or [None])[0],
    }


def _body() -> tuple[dict, dict[str, list[str]]]:
    """Form-encoded (the standard) or a JSON object: the fields, and the attribute values by code
    (`attribute[code]`, `attribute[code][]` repeated, or in JSON an `attribute` object)."""
    if request.is_json:
        try:
            payload = json.loads(request.get_data(cache=True).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Open311Error(400, f"the body is not valid UTF-8 JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise Open311Error(400, "the body must be a JSON object")
        nested = payload.pop("attribute", None) or {}
        if not isinstance(nested, dict):
            raise Open311Error(400, "attribute: expected an object of code: value")
        pairs = [(k, v) for k, v in payload.items() if _attribute_code(k)] + [
            (f"attribute[{k}]", v) for k, v in nested.items()]
        fields_ = {k: v for k, v in payload.items() if not _attribute_code(k)}
    else:
        pairs = [(k, v) for k, v in request.form.items(multi=True) if _attribute_code(k)]
        fields_ = {k: v for k, v in request.form.items() if not _attribute_code(k)}
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, (dict, list)):
                raise Open311Error(400, f"{name}: expected a text, a number or a list of them")
            text = item if isinstance(item, str) else json.dumps(item)
            given.setdefault(_attribute_code(name), []).append(text)
    return fields_, given


def _attribute_code(name: str) -> str | None:
    """`code` of `attribute[code]` or `attribute[code][]`."""
    if not (name.startswith("attribute[") and name.endswith("]")):
        return None
    code = name[len("attribute["):-1]
    code = code[:-len("][")] if code.endswith("][") else code
    return code or None


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')  # the header's draft sends it as a quoted string
    if not 0 < len(key) <= MAX_KEY or not all("!" <= c <= "~" for c in key):
        raise Open311Error(400, f"Idempotency-Key: 1-{MAX_KEY} visible ASCII characters")
    return key


def _channel_for(api_key: str, now) -> str:
    for record in channel_store.list_channels():
        if record.kind == "open311" and credentials.secret_matches(record, api_key, now):
            return record.name
    raise Open311Error(403, "api_key is not valid")
