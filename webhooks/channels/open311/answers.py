"""How Open311 answers: one blueprint under /open311/v2, each resource at `.json` and `.xml`, and
every error as Open311's `[{code, description}]` (`errors/error` in XML)."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

XML_ITEMS = {"attributes": "attribute", "values": "value"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _errors(status: int, descriptions: list[str]):
    return answer([{"code": status, "description": d} for d in descriptions], "errors", "error", status)


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


def route(method: str, stem: str):
    """The view at `stem.json` and at `stem.xml` (literal paths; the view gets `fmt`)."""
    def register(view):
        for fmt in ("json", "xml"):
            bp.route(f"{stem}.{fmt}", methods=[method], defaults={"fmt": fmt})(view)
        return view
    return register


def answer(payload, root: str, item: str | None, status: int = 200):
    """JSON, or XML when the path ends in .xml: `root` wraps the list's `item` elements (or is the
    element of a single object); nested lists are wrapped the same way (attributes/attribute…)."""
    if not request.path.endswith(".xml"):
        return jsonify(payload), status
    element = ElementTree.Element(root)
    for entry in (payload if item else [payload]):
        _xml(ElementTree.SubElement(element, item) if item else element, entry)
    text = ElementTree.tostring(element, encoding="unicode")
    return Response('<?xml version="1.0" encoding="utf-8"?>' + text, status, mimetype="text/xml")


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
