"""GET services and GET services/<code>: the topics of rules/lexicon.yaml as Open311 services, a
topic's `attributes:` as its service definition; and the jurisdiction this service answers for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from ...runtime import runtime
from .answers import Open311Error, answer, route

if TYPE_CHECKING:
    from engine.runtime import Runtime


def services_of(rt: Runtime) -> dict:
    """Service code → topic of the text reader's lexicon."""
    reader = rt.policy_set.reader
    return reader.lexicon.topics if reader else {}


def service_named(rt: Runtime, service_code: str):
    topic = services_of(rt).get(service_code)
    if topic is None:
        raise Open311Error(404, f"service_code {service_code!r} is not a service; see services.json")
    return topic


def check_jurisdiction(rt: Runtime, given) -> None:
    region = rt.policy_set.directory_doc.get("region")
    if given and given != region:
        raise Open311Error(404, f"jurisdiction_id {given!r} is not served here")


@route("GET", "/services")
def services(fmt: str):
    rt = runtime()
    check_jurisdiction(rt, request.args.get("jurisdiction_id"))
    return answer([
        {
            "service_code": topic.code,
            "service_name": topic.name,
            "description": topic.description,
            "metadata": bool(topic.attributes),
            "type": "realtime",
            "keywords": ", ".join(topic.keywords),
            "group": rt.policy_set.directory.sectors.get(topic.code, topic.name),
        }
        for topic in services_of(rt).values()
    ], "services", "service")


@route("GET", "/services/<service_code>")
def service_definition(service_code: str, fmt: str):
    rt = runtime()
    check_jurisdiction(rt, request.args.get("jurisdiction_id"))
    topic = service_named(rt, service_code)
    return answer({
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
