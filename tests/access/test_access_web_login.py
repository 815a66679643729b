"""The staff web login: hashed passwords, a server-side session, CSRF on every form, lockout, logout."""

from __future__ import annotations

import re

import pytest

from engine.services import users
from engine.store.models import AuditRecord
from engine.store.users import UserRecord
from tests.support.staff import PASSWORD, add_staff, log_in, routed


@pytest.fixture
def staff(runtime):
    return add_staff(runtime)


def page_csrf(client, url="/queue") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_passwords_are_stored_as_salted_scrypt_hashes(staff):
    stored = UserRecord.get(UserRecord.login == "roads-official").password_hash

    assert PASSWORD not in stored
    assert stored.startswith("scrypt$")
    assert users.verify_password(PASSWORD, stored)
    assert not users.verify_password(PASSWORD + "!", stored)


def test_an_official_logs_in_lands_on_the_queue_and_an_anonymous_visitor_is_sent_to_the_login(client, staff):
    assert client.get("/queue").headers["Location"].startswith("/login")

    answer = log_in(client, "roads-official")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/queue"
    assert client.get("/queue").status_code == 200


def test_a_wrong_password_is_refused_and_five_in_a_row_lock_the_login(client, staff):
    for _ in range(5):
        assert log_in(client, "roads-official", "wrong password!").status_code == 401

    assert log_in(client, "roads-official").status_code == 401
    failures = AuditRecord.select().where(AuditRecord.action == "user.login_failed").count()
    assert failures == 5


def test_the_login_form_needs_its_csrf_token(client, staff):
    client.get("/login")
    answer = client.post("/login", data={"login": "roads-official", "password": PASSWORD})

    assert answer.status_code == 400


def test_a_form_posted_without_the_session_csrf_token_is_refused(client, staff, runtime):
    appeal_id = routed(runtime)
    log_in(client, "roads-official")

    forged = client.post(f"/appeals/{appeal_id}/do/take", data={})
    forged_api = client.post(f"/api/v1/appeals/{appeal_id}/actions/take", json={})
    real = client.post(f"/appeals/{appeal_id}/do/take", data={"csrf_token": page_csrf(client)})

    assert forged.status_code == 403
    assert forged_api.status_code == 403
    assert forged_api.get_json()["error"]["code"] == "csrf"
    assert real.status_code == 302
    assert "Готово" in client.get(f"/appeals/{appeal_id}").get_data(as_text=True)


def test_the_pages_api_calls_work_with_the_session_and_its_csrf_header(client, staff, runtime):
    appeal_id = routed(runtime)
    log_in(client, "roads-official")

    answer = client.post(f"/api/v1/appeals/{appeal_id}/actions/take", json={},
                         headers={"X-CSRF-Token": page_csrf(client)})

    assert answer.status_code == 200, answer.get_json()


def test_after_logout_the_session_cookie_no_longer_opens_pages(client, staff):
    log_in(client, "centre-manager")
    cookie = client.get_cookie("appeals_session").value
    token = page_csrf(client, "/dashboard")

    client.post("/logout", data={"csrf_token": token})
    client.set_cookie("appeals_session", cookie)  # replaying the old cookie

    assert client.get("/dashboard").status_code == 302


def test_a_policy_writer_may_not_open_the_manager_dashboard(client, staff):
    log_in(client, "policy-writer")

    assert client.get("/dashboard").status_code == 403
    assert client.get("/rules").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site(client, staff):
    answer = log_in(client, "roads-official")

    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_and_tokens_never_reach_the_log(client, staff, runtime, caplog):
    caplog.set_level("DEBUG")
    log_in(client, "roads-official", "a wrong password here")
    log_in(client, "roads-official")
    token = users.issue_token(runtime.now(), "centre-manager")
    client.get("/api/v1/appeals", headers={"Authorization": f"Bearer {token}"})

    logged = caplog.text + "".join(str(a.details) for a in AuditRecord.select())
    assert PASSWORD not in logged
    assert "a wrong password here" not in logged
    assert token not in logged
