"""Hostile query parameters on every GET route of the API and the staff pages: numbers beyond 64 bits,
thousands of digits, NUL, negative, dates of year 1 and 9999. Each answer is below 500."""

from __future__ import annotations

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
