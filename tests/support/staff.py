"""Staff for tests: users and tokens with roles and scopes, the web login through the test client,
appeals posted through the real intake."""

from __future__ import annotations

import re
from functools import cache
from unittest.mock import patch

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import users
from engine.services.intake import receive_appeal, route_appeal

PASSWORD = "correct horse battery"
_scrypt_hash = users.hash_password  # the service's own, before add_staff stands in for it

STAFF = {
    # login: (role, body, sector)
    "roads-official": ("official", "barnaul-roads-committee", None),
    "health-official": ("official", "min-health", None),
    "roads-manager": ("manager", None, "roads"),
    "centre-manager": ("manager", None, None),
    "policy-writer": ("policy", None, None),
    "administrator": ("admin", None, None),
    "centre-curator": ("curator", None, None),
}


def add_staff(rt) -> dict[str, str]:
    """Create the users above; returns login -> API token acting as that user.

    They share one hash of PASSWORD, made once per test process by the service's own hashing:
    scrypt takes a tenth of a second by design, and dozens of tests add these seven users."""
    tokens = {}
    with patch.object(users, "hash_password", _password_hash):
        for login, (role, body, sector) in STAFF.items():
            users.add_user(rt.now(), login, role, PASSWORD, name=login, body=body, sector=sector,
                           directory=rt.policy_set.directory)
            tokens[login] = users.issue_token(rt.now(), login)
    return tokens


@cache
def _password_hash(password: str) -> str:
    return _scrypt_hash(password)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login_form_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, login, password=PASSWORD):
    """The login form posted through the Flask test client, as a browser would post it."""
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": login_form_token(client)})


def routed(rt, text="На ул. Попова огромные ямы, провал асфальта", external_id="pos-1", **changes) -> int:
    """A 59-ФЗ appeal about a pit in Barnaul, received and routed now; returns its id."""
    fields = {
        "channel": "portal", "external_id": external_id, "text": text, "received_at": rt.now(),
        "author": Author(name="Анна Кравцова", type="citizen", contact="anna@example.ru"),
        "municipality": "barnaul", "category": "roads", "fz59": True, "regime": "fz59",
    }
    fields.update(changes)
    received = receive_appeal(rt, IncomingAppeal(**fields), "{}", actor="test")
    assert route_appeal(rt, received.appeal_id)
    return received.appeal_id
