"""Permissions that fit the organisation: the head of a body is a manager scoped to that body, who sees, extends
and forwards its appeals and no others; a manager is offered «Принять» only on alerts addressed to them or to
the person they stand in for today."""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace

import pytest

from engine.domain.directory import Absence
from engine.services import inbox, users
from engine.services.access import Caller
from engine.store.models import AlertRecord
from tests.escalation.test_alert_acknowledgement import breach_alert  # noqa: F401  (a fixture)
from tests.support.staff import PASSWORD, add_staff, bearer, log_in, routed

HEAD = Caller(token_id=None, role="manager", label=None, user="gromov", body="barnaul-roads-committee",
              official_id="gromov-ka")
CENTRE_MANAGER = Caller(token_id=None, role="manager", label=None, user="centre")


@pytest.fixture
def head(runtime) -> str:
    """An API token of the head of the Barnaul roads committee (a manager scoped to the body)."""
    users.add_user(runtime.now(), "gromov", "manager", PASSWORD, name="Громов К. А.", body="barnaul-roads-committee",
                   official_id="gromov-ka", directory=runtime.policy_set.directory)
    return users.issue_token(runtime.now(), "gromov")


def act(client, token, appeal_id, name, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))


@pytest.mark.both_databases
def test_the_head_of_a_body_extends_and_forwards_its_appeals_and_sees_no_others(client, runtime, head):
    own, other = routed(runtime), routed(runtime, external_id="pos-health", category="health",
                                         text="Не могу записаться к врачу в поликлинике", municipality="rubtsovsk")
    assert client.get(f"/api/v1/appeals/{other}", headers=bearer(head)).status_code == 404

    extended = act(client, head, own, "extend", days=10, reason="нужна экспертиза покрытия")
    forwarded = act(client, head, routed(runtime, external_id="pos-2"), "forward", body="min-roads",
                    reason="дорога регионального значения")

    assert extended.status_code == 200, extended.get_json()
    assert forwarded.status_code == 200, forwarded.get_json()
    assert act(client, head, other, "extend", days=10, reason="чужое").status_code == 404


def test_a_manager_is_offered_accept_only_on_alerts_to_them_or_to_whom_they_stand_in_for(runtime, breach_alert):  # noqa: F811
    assert breach_alert.recipient == "gromov-ka"
    assert inbox.offered_to(runtime, HEAD, breach_alert)
    assert not inbox.offered_to(runtime, CENTRE_MANAGER, breach_alert)
    assert not inbox.offered_to(runtime, replace(HEAD, official_id="orlov-dm"), breach_alert)

    directory = runtime.policy_set.directory
    today = runtime.now().date()
    away = replace(directory.officials["gromov-ka"], absences=(Absence(today, today, deputy="orlov-dm"),))
    covered = SimpleNamespace(now=runtime.now, policy_set=SimpleNamespace(
        directory=replace(directory, officials={**directory.officials, "gromov-ka": away}),
        calendar_for=runtime.policy_set.calendar_for))
    assert inbox.offered_to(covered, replace(HEAD, official_id="orlov-dm"), breach_alert)
    assert inbox.offered_to(covered, HEAD, breach_alert)  # the holder may still accept what is addressed to them
    assert not inbox.offered_to(covered, replace(HEAD, official_id="kuznetsov-av"), breach_alert)


def test_the_dashboard_offers_accept_to_the_addressee_only_and_refuses_it_to_others(app, runtime, head,
                                                                                    breach_alert):  # noqa: F811
    add_staff(runtime)
    others, addressee = app.test_client(), app.test_client()
    log_in(others, "centre-manager")
    log_in(addressee, "gromov")

    seen = others.get("/dashboard").get_data(as_text=True)
    item = re.search(rf'<li data-alert="{breach_alert.id}">(.*?)</li>', seen, re.S).group(1)
    assert "Принять" not in item and "адресовано" in item
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', seen).group(1)
    refused = others.post(f"/alerts/{breach_alert.id}/ack", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "адресовано не вам" in refused.get_data(as_text=True)
    assert AlertRecord.get_by_id(breach_alert.id).acknowledged_at is None

    page = addressee.get("/dashboard").get_data(as_text=True)
    assert "Принять" in re.search(rf'<li data-alert="{breach_alert.id}">(.*?)</li>', page, re.S).group(1)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert addressee.post(f"/alerts/{breach_alert.id}/ack", data={"csrf_token": csrf}).status_code == 302
    assert AlertRecord.get_by_id(breach_alert.id).acknowledged_at is not None
