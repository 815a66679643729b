"""GET /api/v1/openapi.json (OpenAPI 3, built from the routes and their marshmallow schemas) and /api/docs.

A view declares what the document says about it with attributes: its docstring (summary and
description), `allowed_roles` (set by require_role), `request_schema` and
`query_schema` (marshmallow classes), `request_body` (an OpenAPI request body object, for a body
that is not JSON), `responses` ({status: description}, in place of the plain 200). Swagger UI is
served from the swagger-ui-bundle package.
"""

from __future__ import annotations

import re
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory

bp = Blueprint("openapi", __name__)

CONVERTERS = {"int": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1},
              "string": {"type": "string"}, "path": {"type": "string"},
              "float": {"type": "number"}, "uuid": {"type": "string", "format": "uuid"}}
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}}
DOCS_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


def build_spec(app) -> dict:
    spec = APISpec(title="appeals-router API", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Маршрутизация обращений граждан, сроки и эскалация. "
                                        "Доступ: Authorization: Bearer <токен> или вход на сайте "
                                        "(тогда изменяющие запросы несут заголовок X-CSRF-Token)."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("openapi."):
            continue
        view = app.view_functions[rule.endpoint]
        path, params = _path(rule)
        operations = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(spec, rule, view, params)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _path(rule) -> tuple[str, list[dict]]:
    found = re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule)
    params = [{"name": name, "in": "path", "required": True, "schema": CONVERTERS.get(conv or "string",
                                                                                       {"type": "string"})}
              for conv, name in found]
    path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
    return path, params


def _schema_name(schema) -> str:
    return schema.__name__.removesuffix("Schema") if isinstance(schema, type) else type(schema).__name__


def _operation(spec, rule, view, params) -> dict:
    doc = (view.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    tag = rule.endpoint.split(".")[0]
    roles = getattr(view, "allowed_roles", None)
    op: dict = {"operationId": rule.endpoint, "tags": [tag], "summary": summary or rule.endpoint,
                "parameters": list(params), "responses": {"200": {"description": "OK"}}}
    if description.strip():
        op["description"] = description.strip()
    declared = getattr(view, "responses", None)
    if declared:
        op["responses"] = {status: {"description": text} if status.startswith("2") else _error(text)
                           for status, text in declared.items()}
    if roles is not None:
        op["security"] = [{"bearer": []}]
        op["x-roles"] = list(roles) or ["любая роль сотрудника"]
        op["responses"].update({"401": _error("нет токена или входа"), "403": _error("роль не допускается")})
    query = getattr(view, "query_schema", None)
    if query is not None:
        op["parameters"].append({"in": "query", "schema": query})
        op["responses"]["422"] = _error("параметры запроса не прошли проверку")
    body = getattr(view, "request_schema", None)
    if body is not None:
        name = _schema_name(body)
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=body)
        op["requestBody"] = {"content": {"application/json": {"schema": name}}}
        op["responses"]["422"] = _error("поля запроса не прошли проверку")
        op["responses"]["409"] = _error("состояние обращения не допускает действие (причина в message)")
    raw_body = getattr(view, "request_body", None)
    if raw_body is not None:
        op["requestBody"] = raw_body
        op["responses"].setdefault("422", _error("тело запроса не прошло проверку"))
    _common_responses(op, rule, params)
    return op


def _common_responses(op: dict, rule, params) -> None:
    """What any operation may answer besides its own: a request it cannot read (400), an id that names
    nothing the caller may see (404), a body over the limit (413), the database out of reach (503)."""
    responses = op["responses"]
    responses.setdefault("400", _error("параметры или тело запроса не прочитаны (не JSON, не число, "
                                       "лишний параметр)"))
    if any(p["in"] == "path" for p in params):
        responses.setdefault("404", _error("нет такого объекта, или он вне области видимости вызывающего"))
    if rule.methods and rule.methods & {"POST", "PUT", "PATCH"}:
        responses.setdefault("413", _error("тело запроса больше APPEALS_MAX_BODY_BYTES"))
    responses.setdefault("503", {**_error("база данных недоступна; повторите позже"),
                                 "headers": {"Retry-After": {"description": "через сколько секунд повторить",
                                                             "schema": {"type": "integer"}}}})


def _error(text: str) -> dict:
    return {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


@bp.get("/api/v1/openapi.json")
def openapi_json():
    """The OpenAPI 3 document of this API."""
    if "appeals_openapi" not in current_app.extensions:
        current_app.extensions["appeals_openapi"] = build_spec(current_app)
    return jsonify(current_app.extensions["appeals_openapi"])


@bp.get("/api/docs")
def docs():
    return render_template("openapi_docs.html")


@bp.get("/api/docs/vendor/<name>")
def docs_vendor(name: str):
    if name not in DOCS_FILES:
        abort(404)
    return send_from_directory(_swagger_dir(), name, max_age=3600)


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)

