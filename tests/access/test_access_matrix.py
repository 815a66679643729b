"""Every endpoint the app registers, called with every role: the declared permission matrix holds.

A new endpoint fails this test until it is declared below, with who may call it.
"""

from __future__ import annotations

import re

import pytest

from engine.services import credentials
from tests.support.staff import add_staff, bearer

ROLES = ("channel", "official", "manager", "policy", "admin", "curator")
READ = {"official", "manager", "policy", "admin", "curator"}
WORK = {"official", "manager", "admin"}
LEAD = {"manager", "admin"}
RULES = {"policy", "admin"}
REVIEW = {"curator", "manager", "admin"}  # the centre checks answers of appeals on control
PUBLIC = "public"  # no login: health, the login form, static files, the API description
SIGNED = "signed"  # channels authenticate each request with an HMAC signature, not a token

MATRIX: dict[str, object] = {
    "health.healthz": PUBLIC,
    "health.metrics": PUBLIC,  # counts only, for the monitoring scraper
    "static": PUBLIC,
    "generic.receive": SIGNED,
    "vk.receive": SIGNED,
    "telegram.receive": SIGNED,
    "open311.post_request": SIGNED,  # the Open311 api_key of the channel
    "open311.services": PUBLIC,  # GeoReport v2: the service list is public
    "open311.get_request": PUBLIC,  # GeoReport v2: a request's status is public by its id
    "open311.list_requests": PUBLIC,  # GeoReport v2: the list of requests is public (open311 channels only)
    "open311.service_definition": PUBLIC,  # GeoReport v2: a service's attributes are public
    "openapi.openapi_json": PUBLIC,
    "openapi.docs": PUBLIC,
    "openapi.docs_vendor": PUBLIC,
    "web.static": PUBLIC,
    "web.home": PUBLIC,
    "web.login": PUBLIC,
    "web.login_post": PUBLIC,
    "web.accept_link": PUBLIC,  # the signed one-click link of an alert e-mail is the credential
    "web.accept_link_post": PUBLIC,
    "web.logout": READ,
    "web.queue": WORK,
    "web.save_filter": WORK,  # the caller's own saved filters
    "web.delete_filter": WORK,
    "web.appeal": READ,
    "web.act": WORK | {"curator"},
    "web.not_an_appeal": {"curator", "admin"},  # the card's «Не обращение» button
    "web.undo_not_an_appeal": {"curator", "admin"},
    "web.dashboard": LEAD,
    "web.acknowledge": WORK,
    "web.rules": RULES,
    "web.review": REVIEW,
    "appeals.list_appeals": READ,
    "appeals.export_appeals": READ,  # the list as CSV or XLSX
    "appeals.get_appeal": READ,
    "appeals.get_decision": READ,
    "actions.available": READ,
    "actions.appeal_timeline": READ,
    "actions.take": WORK,
    "actions.answer": WORK,
    "actions.request_clarification": WORK,
    "actions.resume": WORK,
    "actions.extend": LEAD,  # 59-ФЗ: the head of the body extends
    "actions.forward": WORK,
    "actions.reject": WORK,
    "actions.close": WORK,
    "actions.reopen": LEAD,
    "actions.reroute": {"manager", "policy", "admin"},  # re-deciding with the active rules
    "actions.approve_answer": REVIEW,
    "actions.return_answer": REVIEW,
    "actions.put_on_control": REVIEW,
    "actions.release_control": REVIEW,
    "clocks.list_clocks": READ,
    "clocks.pause": WORK,
    "clocks.resume": WORK,
    "clocks.stop": WORK,
    "clocks.extend": WORK,  # the route admits operators; the clock service refuses officials with 403
    "reports.sla": {"manager", "policy", "admin", "curator"},
    "reports.at_risk": {"manager", "policy", "admin", "curator"},
    "reports.trends_report": {"manager", "policy", "admin", "curator"},  # the centre's picture of the region
    "web.analytics": REVIEW,  # the centre's picture: managers and the curator
    "rules.vocabulary": RULES,
    "rules.list_versions": RULES,
    "rules.get_version": RULES,
    "rules.diff": RULES,
    "rules.history": RULES,
    "rules.validate": RULES,
    "rules.test_cases": RULES,
    "rules.publish": RULES,
    "rules.rollback": RULES,
    "rules.simulate": RULES,  # queues a backtest for the worker (202)
    "rules.list_simulations": RULES,
    "rules.get_simulation": RULES,
    "rules.reroute_simulated": RULES,  # re-routes the open appeals a simulation found changed
    "alerts.list_alerts": WORK,
    "alerts.get_alert": WORK,
    "alerts.acknowledge": WORK,
    "replies.list_replies": {"admin"},  # replies to residents; the dead ones with their reason
    "replies.retry": {"admin"},  # send a dead reply again once its cause is fixed
    "saved_filters.list_filters": READ,  # the caller's own
    "saved_filters.save_filter": READ,
    "saved_filters.delete_filter": READ,
    "directory.bodies": READ,
    "directory.roles": READ,
    "directory.officials": {"manager", "policy", "admin"},
    "directory.export_yaml": {"policy", "admin"},
    "directory.import_yaml": {"admin"},
    "tokens.list_tokens": {"admin"},  # labels and roles of every token, never the token
    "tokens.revoke": {"admin"},
    "watch.list_watches": {"admin"},  # the public VK walls read for complaints
    "watch.add_watch": {"admin"},
    "watch.remove_watch": {"admin"},
    "monitor_marks.not_an_appeal": {"curator", "admin"},  # «не обращение» on a monitored appeal
    "monitor_marks.undo_not_an_appeal": {"curator", "admin"},  # a wrong mark taken back
    "manual_replies.published_by_hand": {"curator", "admin"},  # a reply task done by the centre's operator
    # mass incidents: appeals about one problem in one place, routed once
    "incidents.list_all": READ,
    "incidents.get_one": READ,
    "incidents.answer": WORK,  # one answer to every member
    "incidents.approve_answer": REVIEW,
    "incidents.return_answer": REVIEW,
    "incidents.detach": WORK,  # audited
    "web.incident": READ,
    "web.detach": WORK,
}

SAMPLE = {"int": "999999", "string": "sample", "path": "sample.txt"}


def concrete(rule) -> str:
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "string", "x"), rule.rule)


def calls(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def role_tokens(runtime):
    tokens = {role: credentials.create_token(runtime.now(), role) for role in ROLES}
    return tokens


def request(client, method, url, headers=None):
    """A call that passes no check but the caller's: writes carry a body no view accepts (so they do nothing)."""
    if method == "GET":
        return client.open(url, method=method, headers=headers or {})
    return client.open(url, method=method, headers=headers or {}, data="\x00", content_type="text/plain")


def test_every_registered_endpoint_has_a_declared_permission(app):
    undeclared = sorted({rule.endpoint for rule, _ in calls(app)} - set(MATRIX))
    stale = sorted(set(MATRIX) - {rule.endpoint for rule, _ in calls(app)})

    assert undeclared == [], f"declare who may call: {undeclared}"
    assert stale == [], f"declared but not registered: {stale}"


def test_every_endpoint_refuses_every_role_outside_the_matrix_and_admits_the_ones_inside(app, client, role_tokens):
    wrong = []
    for rule, method in calls(app):
        allowed = MATRIX.get(rule.endpoint)
        if allowed in (PUBLIC, SIGNED) or allowed is None:
            continue
        url = concrete(rule)
        anonymous = request(client, method, url)
        if anonymous.status_code not in (401, 302) or (
                anonymous.status_code == 302 and "/login" not in anonymous.headers["Location"]):
            wrong.append((method, url, "anonymous", anonymous.status_code))
        for role in ROLES:
            status = request(client, method, url, bearer(role_tokens[role])).status_code
            if role in allowed and status in (401, 403):
                wrong.append((method, url, role, status, "should be allowed"))
            if role not in allowed and status != 403:
                wrong.append((method, url, role, status, "should be 403"))

    assert wrong == []


def test_signed_endpoints_refuse_an_unsigned_request_even_with_an_admin_token(app, client, role_tokens):
    for rule, method in calls(app):
        if MATRIX.get(rule.endpoint) != SIGNED:
            continue
        answer = request(client, method, concrete(rule), bearer(role_tokens["admin"]))
        assert 400 <= answer.status_code < 500, (rule.rule, answer.status_code)


def test_public_endpoints_answer_without_a_login(app, client):
    for rule, method in calls(app):
        if MATRIX.get(rule.endpoint) != PUBLIC or method != "GET" or "<" in rule.rule:
            continue
        assert request(client, method, rule.rule).status_code in (200, 302), rule.rule


def test_a_revoked_token_and_a_disabled_users_token_are_refused(client, runtime):
    from engine.services import users

    tokens = add_staff(runtime)
    manager = credentials.authenticate(tokens["centre-manager"], runtime.now())
    assert client.get("/api/v1/appeals", headers=bearer(tokens["centre-manager"])).status_code == 200

    credentials.revoke_token(runtime.now(), manager.token_id)
    users.disable_user(runtime.now(), "roads-official")

    assert client.get("/api/v1/appeals", headers=bearer(tokens["centre-manager"])).status_code == 401
    assert client.get("/api/v1/appeals", headers=bearer(tokens["roads-official"])).status_code == 401


def test_tokens_are_stored_only_as_hashes(runtime):
    from engine.store.models import TokenRecord

    token = credentials.create_token(runtime.now(), "manager")

    assert not TokenRecord.select().where(TokenRecord.token_hash == token).exists()
    assert TokenRecord.get().token_hash == credentials.hash_token(token)
