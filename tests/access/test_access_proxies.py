"""The audit's "from where" behind a reverse proxy: APPEALS_TRUSTED_PROXIES hops of X-Forwarded-For are
believed, and none when it is 0."""

from __future__ import annotations

import dataclasses

import pytest

from engine.config import Settings
from engine.store import appeals as store
from tests.support.staff import add_staff, bearer, routed
from webhooks import create_app

PROXY = "10.0.0.2"  # the reverse proxy, as the service sees the connection
FORWARDED = {"X-Forwarded-For": "198.51.100.66, 203.0.113.7"}  # a client-made entry, then the proxy's own


def client_behind(runtime, hops: int):
    settings = dataclasses.replace(runtime.settings, trusted_proxies=hops)
    app = create_app(dataclasses.replace(runtime, settings=settings), {"TESTING": True})
    return app.test_client()


def take_origin(client, runtime) -> str | None:
    tokens = add_staff(runtime)
    appeal_id = routed(runtime)
    taken = client.post(f"/api/v1/appeals/{appeal_id}/actions/take", headers={
        **bearer(tokens["roads-official"]), **FORWARDED}, environ_base={"REMOTE_ADDR": PROXY})
    assert taken.status_code == 200, taken.get_json()
    return next(a for a in store.audit_trail(appeal_id) if a.action == "appeal.take").details["origin"]


def test_with_one_trusted_proxy_the_audit_records_the_client_the_proxy_forwarded(runtime):
    assert take_origin(client_behind(runtime, 1), runtime) == "203.0.113.7"


def test_with_no_trusted_proxy_the_audit_records_the_peer_and_ignores_the_header(runtime):
    assert runtime.settings.trusted_proxies == 0
    assert take_origin(client_behind(runtime, 0), runtime) == PROXY


def test_trusted_proxies_default_to_none_and_refuse_a_negative_count():
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"APPEALS_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(ValueError, match="APPEALS_TRUSTED_PROXIES"):
        Settings.from_env({"APPEALS_TRUSTED_PROXIES": "-1"})
