"""Hostile query parameters on every GET route of the API and the staff pages: numbers beyond 64 bits,
thousands of digits, NUL, negative, dates of year 1 and 9999. Each answer is below 500."""

from __future__ import annotations

import pytest

from engine.services import credentials
from tests.support.staff import bearer, routed

NAMES = ["limit", "cursor", "before", "from", "to", "since_days", "appeal_id", "at_risk_hours", "received_from",
         "received_to", "format", "status", "recipient", "acknowledged", "channel", "body", "overdue", "version",
         "start_date", "end_date", "service_request_id", "service_code", "working_hours", "q", "page"]
VALUES = [str(2**63), str(-(2**63) - 1), "9" * 400, "9" * 5000, "-1", "0", "1e9", "\x00", "0001-01-01",
          "9999-12-31T23:59:59+00:00", "true", ""]
ONE_BY_ONE = [str(2**63), "0001-01-01", "9999-12-31T23:59:59+00:00", "\x00"]  # each parameter alone


def get_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in (rule.methods or ()) and "<" not in rule.rule and not rule.rule.startswith("/static"):
            yield rule.rule


def test_no_get_route_answers_a_5xx_to_hostile_query_parameters(app, client, runtime):
    routed(runtime)
    admin = bearer(credentials.create_token(runtime.now(), "admin"))
    wrong = []
    for path in get_routes(app):
        for value in VALUES:
            query = {name: value for name in NAMES}
            answer = client.get(path, query_string=query, headers=admin)
            answer.close()
            single = [client.get(path, query_string={name: value}, headers=admin)
                      for name in NAMES if value in ONE_BY_ONE]
            for one in single:
                one.close()
            wrong += [(path, value[:20], a.status_code) for a in [answer, *single] if a.status_code >= 500]
    assert not wrong, "\n".join(map(str, sorted(set(wrong))))


@pytest.mark.both_databases
@pytest.mark.parametrize("path", ["/api/v1/appeals", "/api/v1/alerts", "/api/v1/reports/sla", "/queue",
                                  "/open311/v2/requests.json"])
def test_a_nul_in_a_query_parameter_is_400_on_both_databases(client, runtime, path):
    admin = bearer(credentials.create_token(runtime.now(), "admin"))

    answer = client.get(path, query_string={"status": "\x00", "body": "x\x00"}, headers=admin)

    assert answer.status_code == 400, answer.get_data(as_text=True)[:200]
    assert answer.is_json


@pytest.mark.both_databases
def test_a_nul_in_a_form_field_is_400_on_both_databases(client, runtime):
    login = client.post("/login", data={"login": "admin\x00", "password": "x" * 12, "csrf_token": "x"})
    open311 = client.post("/open311/v2/requests.json", data={"api_key": "k", "service_code": "roads\x00"})

    assert login.status_code == 400 and login.is_json
    assert open311.status_code == 400 and open311.get_json()[0]["code"] == 400
