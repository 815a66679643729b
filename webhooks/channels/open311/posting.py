"""POST requests: a new service request, form-encoded (the standard) or JSON, authenticated by an
open311 channel's `api_key`, checked against the service's definition, stored as an appeal; an
`Idempotency-Key` header makes a retry answer the same request."""

from __future__ import annotations

import json
import uuid

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from engine.classify.attributes import SUBTOPIC, check_values
from engine.domain.appeal import Author, IncomingAppeal
from engine.domain.author_keys import author_key
from engine.domain.vocabulary import MAX_TEXT
from engine.services import open311
from engine.services.credentials import channel_for_secret

from ...bounded_json import BadJson, read_json
from ...runtime import runtime
from .answers import Open311Error, answer, route
from .catalogue import check_jurisdiction, service_named

MAX_KEY = 128


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


@route("POST", "/requests")
def post_request(fmt: str):
    rt = runtime()
    now = rt.now()
    form, pairs = _body()
    api_key = form.get("api_key")  # authenticated before anything else in the request is looked at
    channel = (channel_for_secret(open311.KIND, api_key, now)
               if isinstance(api_key, str) and 0 < len(api_key) <= 300 else None)
    if channel is None:
        raise Open311Error(403, "api_key is not valid")
    given = _attribute_values(pairs)
    data = _REQUEST.load(form)
    check_jurisdiction(rt, data["jurisdiction_id"])
    topic = service_named(rt, data["service_code"])
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
        author_id=author_key(data["phone"], data["email"]),
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
    try:
        received = open311.receive_request(rt, incoming, raw)
    except open311.IdempotencyKeyReused as exc:
        raise Open311Error(422, str(exc)) from None
    answered = answer([{
        "service_request_id": str(received.appeal_id),
        "service_notice": f"Обращение зарегистрировано; статус: requests/{received.appeal_id}.{fmt}",
        "account_id": data["account_id"],
    }], "service_requests", "request", 201)
    if not received.created:
        answered[0].headers["Idempotent-Replayed"] = "true"
    return answered


def _body() -> tuple[dict, list[tuple[str, object]]]:
    """Form-encoded (the standard) or a JSON object (read by the one bounded reader): the fields,
    and the attribute pairs (`attribute[code]`, `attribute[code][]` repeated, or in JSON an
    `attribute` object) as posted."""
    if not request.is_json:
        pairs = [(k, v) for k, v in request.form.items(multi=True) if k.startswith("attribute")]
        return {k: v for k, v in request.form.items() if not k.startswith("attribute")}, pairs
    try:
        payload = read_json(request.get_data(cache=True))
    except BadJson as exc:
        raise Open311Error(400, f"the body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise Open311Error(400, "the body must be a JSON object")
    nested = payload.pop("attribute", None) or {}
    if not isinstance(nested, dict):
        raise Open311Error(400, "attribute: expected an object of code: value")
    pairs = [(k, v) for k, v in payload.items() if k.startswith("attribute")]
    pairs += [(f"attribute[{k}]", v) for k, v in nested.items()]
    return {k: v for k, v in payload.items() if not k.startswith("attribute")}, pairs


def _attribute_values(pairs: list[tuple[str, object]]) -> dict[str, list[str]]:
    """The posted values by attribute code; 400 naming a key that is not `attribute[code]`
    or `attribute[code][]`, or a value that is not a text, a number or a list of them."""
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        code = _attribute_code(name)
        if code is None:
            raise Open311Error(400, f"{name}: expected attribute[code] or attribute[code][]")
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, (dict, list)):
                raise Open311Error(400, f"{name}: expected a text, a number or a list of them")
            given.setdefault(code, []).append(item if isinstance(item, str) else json.dumps(item))
    return given


def _attribute_code(name: str) -> str | None:
    """`code` of `attribute[code]` or `attribute[code][]` (a code has no brackets of its own)."""
    if not (name.startswith("attribute[") and name.endswith("]")):
        return None
    code = name[len("attribute["):-1]
    code = code[:-len("][")] if code.endswith("][") else code
    return code if code and "[" not in code and "]" not in code else None


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')  # the header's draft sends it as a quoted string
    if not 0 < len(key) <= MAX_KEY or not all("!" <= c <= "~" for c in key):
        raise Open311Error(400, f"Idempotency-Key: 1-{MAX_KEY} visible ASCII characters")
    return key
