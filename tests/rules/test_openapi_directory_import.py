"""The OpenAPI document describes the directory import's YAML body, and its example is a directory the
import accepts."""

from __future__ import annotations

import yaml
from openapi_spec_validator import validate

from engine.domain.directory import Directory
from engine.services import credentials
from tests.support.staff import bearer


def import_operation(client) -> dict:
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    return spec["paths"]["/api/v1/directory/import"]["post"]


def test_the_directory_import_entry_describes_its_yaml_body_and_query(client):
    operation = import_operation(client)

    body = operation["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/yaml"}
    schema = body["content"]["application/yaml"]["schema"]
    assert schema["type"] == "object"
    assert {"working_hours", "roles", "sectors", "bodies", "officials"} <= set(schema["properties"])
    assert schema["properties"]["bodies"]["items"]["required"] == ["id", "name", "hours"]
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == {"apply", "comment"}
    assert operation["x-roles"] == ["admin"]
    assert "422" in operation["responses"]


def test_the_documented_example_is_a_directory_the_import_checks_without_complaint(client, runtime):
    example = import_operation(client)["requestBody"]["content"]["application/yaml"]["example"]

    Directory.from_document(yaml.safe_load(example))
    answer = client.post("/api/v1/directory/import", data=example.encode(),
                         headers={**bearer(credentials.create_token(runtime.now(), "admin")),
                                  "Content-Type": "application/yaml"})

    assert answer.status_code == 200
    assert answer.get_json()["applied"] is False
    assert answer.get_json()["bodies_added"] == []
    assert "min-roads" not in answer.get_json()["bodies_removed"]
