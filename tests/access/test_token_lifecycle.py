"""API tokens can be listed (never the token), revoked on the command line and over HTTP, expire by
default after APPEALS_TOKEN_DAYS, record their last use, and /healthz warns before one in use expires."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from engine.services import api_tokens, credentials
from engine.services.monitoring import health_report
from engine.store.models import AuditRecord, TokenRecord
from tests.support.command_line import run
from tests.support.staff import bearer


@pytest.fixture
def admin(runtime):
    return credentials.create_token(runtime.now(), "admin", "console", default_days=365)


def test_the_command_line_creates_with_the_default_expiry_lists_without_the_token_and_revokes(
        cli_env, capsys, monkeypatch):
    monkeypatch.setenv("APPEALS_TOKEN_DAYS", "30")
    code, out, _ = run(capsys, "token", "create", "--role", "manager", "--label", "dashboard-ci")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("apr_")

    code, listing, _ = run(capsys, "token", "list")
    assert code == 0
    zone, header, row = listing.strip().splitlines()
    assert zone == "время: барнаульское время (UTC+7)"
    assert header.split("\t") == ["№", "подпись", "роль", "доступ", "создан", "последнее использование",
                                  "действует до", "состояние"]
    token_id, label, role, scope, created, last_used, expires, state = row.split("\t")
    assert (label, role, scope, last_used, state) == ("dashboard-ci", "руководитель", "все органы", "—", "действует")
    local = "%d.%m.%Y %H:%M"
    assert datetime.strptime(expires, local) - datetime.strptime(created, local) == timedelta(days=30)
    assert token not in listing and credentials.hash_token(token) not in listing

    code, out, _ = run(capsys, "token", "revoke", token_id)
    assert code == 0 and f"токен {token_id} отозван" in out
    code, listing, _ = run(capsys, "token", "list", "--json")
    assert '"state": "revoked"' in listing

    code, _, err = run(capsys, "token", "revoke", "424242")
    assert code == 2 and "нет токена с номером 424242" in err and "Traceback" not in err


def test_a_token_without_ttl_expires_after_token_days_and_zero_means_never(runtime):
    year = credentials.create_token(runtime.now(), "official", default_days=365)
    forever = credentials.create_token(runtime.now(), "official", ttl_days=0, default_days=365)

    rows = {r.token_hash: r for r in TokenRecord.select()}
    assert rows[credentials.hash_token(year)].expires_at == runtime.now() + timedelta(days=365)
    assert rows[credentials.hash_token(forever)].expires_at is None


def test_an_admin_lists_and_revokes_over_http_and_the_revoked_token_answers_401_json(client, runtime, admin):
    victim = credentials.create_token(runtime.now(), "manager", "leaked-laptop", default_days=365)
    assert client.get("/api/v1/appeals", headers=bearer(victim)).status_code == 200

    listing = client.get("/api/v1/tokens", headers=bearer(admin))
    assert listing.status_code == 200
    items = {item["label"]: item for item in listing.get_json()["items"]}
    assert set(items["leaked-laptop"]) == {"id", "label", "role", "scope", "user", "created_at", "last_used_at",
                                           "expires_at", "revoked_at", "state"}
    assert items["leaked-laptop"]["last_used_at"] == runtime.now().isoformat()
    assert victim not in listing.get_data(as_text=True)
    assert credentials.hash_token(victim) not in listing.get_data(as_text=True)

    token_id = items["leaked-laptop"]["id"]
    revoked = client.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(admin))
    again = client.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(admin))
    refused = client.get("/api/v1/appeals", headers=bearer(victim))

    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    assert again.status_code == 200 and again.get_json()["revoked_at"] == revoked.get_json()["revoked_at"]
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert AuditRecord.select().where(AuditRecord.action == "token.revoked").count() == 1
    assert client.post("/api/v1/tokens/999999/revoke", headers=bearer(admin)).status_code == 404


def test_only_an_admin_may_list_or_revoke(client, runtime, admin):
    manager = credentials.create_token(runtime.now(), "manager", default_days=365)

    assert client.get("/api/v1/tokens", headers=bearer(manager)).status_code == 403
    assert client.post("/api/v1/tokens/1/revoke", headers=bearer(manager)).status_code == 403
    assert client.get("/api/v1/tokens").status_code == 401


def test_an_expired_token_answers_401_json(client, runtime, clock):
    token = credentials.create_token(runtime.now(), "manager", ttl_days=1)
    assert client.get("/api/v1/appeals", headers=bearer(token)).status_code == 200

    clock.set(runtime.now() + timedelta(days=1))
    expired = client.get("/api/v1/appeals", headers=bearer(token))

    assert expired.status_code == 401 and expired.is_json
    assert [v.state for v in api_tokens.list_tokens(runtime.now())] == ["expired"]


def test_the_last_use_is_written_at_most_every_five_minutes(client, runtime, clock):
    token = credentials.create_token(runtime.now(), "manager", default_days=365)
    start = runtime.now()

    def last_used():
        return TokenRecord.get(TokenRecord.token_hash == credentials.hash_token(token)).last_used_at

    client.get("/api/v1/appeals", headers=bearer(token))
    assert last_used() == start
    clock.set(start + timedelta(minutes=3))
    client.get("/api/v1/appeals", headers=bearer(token))
    assert last_used() == start
    clock.set(start + timedelta(minutes=6))
    client.get("/api/v1/appeals", headers=bearer(token))
    assert last_used() == start + timedelta(minutes=6)


def test_healthz_warns_before_a_token_in_use_expires_and_not_about_one_nobody_uses(client, runtime, clock):
    soon = credentials.create_token(runtime.now(), "manager", "crm-sync", ttl_days=10)
    credentials.create_token(runtime.now(), "manager", "unused", ttl_days=10)
    later = credentials.create_token(runtime.now(), "manager", "nightly-export", ttl_days=60)
    for token in (soon, later):
        client.get("/api/v1/appeals", headers=bearer(token))

    health = client.get("/healthz").get_json()

    crm_sync = next(v.id for v in api_tokens.list_tokens(runtime.now()) if v.label == "crm-sync")
    assert [t["id"] for t in health["tokens_expiring"]] == [crm_sync]
    assert len(health["warnings"]) == 1 and f"API-токена {crm_sync}," in health["warnings"][0]
    assert "истекает 2026-12-10" in health["warnings"][0]
    assert "crm-sync" not in client.get("/healthz").get_data(as_text=True)  # public: ids, never labels
    assert "appeals_tokens_expiring 1\n" in client.get("/metrics").get_data(as_text=True)
    quiet = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, token_warn_days=5))
    assert health_report(quiet)["tokens_expiring"] == []
