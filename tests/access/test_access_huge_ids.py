"""An id beyond what the database holds (2^63 and up) on every `<int:…>` route is a 404 JSON error,
as any id that does not exist; never an overflow in the database driver."""

from __future__ import annotations

import re

import pytest

from engine.services import credentials
from tests.support.staff import bearer

pytestmark = pytest.mark.both_databases

HUGE = [str(2**63), str(2**64 + 1), "9" * 400]


def id_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "<int:" in rule.rule:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_id_route_answers_404_json_for_an_id_beyond_64_bits(app, client, runtime):
    token = credentials.create_token(runtime.now(), "admin")
    routes = list(id_routes(app))
    assert len(routes) >= 10  # appeals, actions, clocks, alerts, rules versions and simulations, pages
    wrong = []
    for rule, method in routes:
        for huge in HUGE:
            url = re.sub(r"<int:\w+>", huge, rule.rule)
            url = re.sub(r"<(?:\w+:)?\w+>", "answer", url)
            answer = client.open(url, method=method, headers=bearer(token), json={})
            if answer.status_code != 404 or not answer.is_json:
                wrong.append((method, url[:60], answer.status_code))
    assert wrong == []


def test_the_largest_id_the_database_holds_is_looked_up_and_not_found(client, runtime):
    token = credentials.create_token(runtime.now(), "admin")

    answer = client.get(f"/api/v1/appeals/{2**63 - 1}", headers=bearer(token))

    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"


def test_hostile_names_in_every_other_path_parameter_are_answered_below_500(app, client, runtime):
    token = credentials.create_token(runtime.now(), "admin")
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not re.search(r"<(?!int:)", rule.rule):
            continue
        for value in ["x" * 5000, "%00", "..%2F..%2Fetc%2Fpasswd", "%ff%fe", "9" * 400, "%20", "%0d%0aX-Evil:%201"]:
            url = re.sub(r"<(?:\w+:)?\w+>", value, re.sub(r"<int:\w+>", "1", rule.rule))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                answer = client.open(url, method=method, headers=bearer(token), json={})
                answer.close()
                if answer.status_code >= 500 or "X-Evil" in answer.headers:
                    wrong.append((method, url[:60], answer.status_code))
    assert wrong == []
