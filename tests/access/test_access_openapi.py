"""The OpenAPI document is generated from the routes and schemas, and its docs page needs no CDN."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_the_openapi_document_describes_every_api_route_with_its_roles_and_schemas(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()

    validate(spec)
    assert spec["openapi"].startswith("3.")
    api_rules = {r.rule for r in app.url_map.iter_rules()
                 if r.rule.startswith("/api/v1/") and r.rule != "/api/v1/openapi.json"}
    assert len(spec["paths"]) == len(api_rules)
    answer = spec["paths"]["/api/v1/appeals/{appeal_id}/actions/answer"]["post"]
    assert answer["x-roles"] == ["official", "manager", "admin"]
    assert answer["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Answer"}
    assert set(spec["components"]["schemas"]["Answer"]["properties"]) == {"kind", "text"}
    assert "409" in answer["responses"]


def test_the_docs_page_loads_swagger_ui_from_this_server(client):
    page = client.get("/api/docs").get_data(as_text=True)

    assert "/api/docs/vendor/swagger-ui-bundle.js" in page
    assert "http" not in page.replace('lang="ru"', "")
    script = client.get("/api/docs/vendor/swagger-ui-bundle.js")
    size = len(script.get_data())
    script.close()
    assert script.status_code == 200
    assert size > 100_000
    assert client.get("/api/docs/vendor/index.html").status_code == 404


def test_every_operation_documents_the_statuses_any_request_may_get(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "503"} <= statuses, (method, path)
            assert ("404" in statuses) == ("{" in path), (method, path)
            if method == "post":
                assert "413" in statuses, (method, path)
            assert "Retry-After" in operation["responses"]["503"]["headers"]
