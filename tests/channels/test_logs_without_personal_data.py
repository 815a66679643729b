"""No log line, at DEBUG and of any logger (ours, peewee's SQL with its parameters, werkzeug's), carries a
resident's e-mail address or phone number: the filter installed by the composition root masks them, for
every handler, including one added after it."""

from __future__ import annotations

import io
import logging

import pytest

from engine.bootstrap import bootstrap
from engine.services import credentials
from tests.support.open311 import API_KEY, PIT
from tests.support.signing import body_of, signed_headers

pytestmark = pytest.mark.both_databases

SECRET = "log-secret"
EMAIL = "anna.kravtsova@example.ru"
MOBILE, LANDLINE = "+7 913 555-12-34", "8 (913) 555-43-21"
PHONES = {MOBILE: "9135551234", LANDLINE: "9135554321"}


@pytest.fixture
def every_line():
    """A real handler on the root logger at DEBUG, the way a service is run with APPEALS_LOG_LEVEL=DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def test_an_appeal_with_an_e_mail_and_phones_leaves_no_trace_of_them_in_the_debug_log(client, clock, runtime,
                                                                                       every_line):
    credentials.add_channel(runtime.now(), "portal", "generic", SECRET)
    credentials.add_channel(runtime.now(), "city-app", "open311", API_KEY)
    raw = body_of({"external_id": "p-1", "text": f"Яма у дома, звоните {MOBILE} или пишите {EMAIL}",
                   "municipality": "barnaul", "author": {"name": "Анна", "contact": EMAIL}})
    headers = signed_headers(SECRET, raw, int(clock().timestamp()))

    assert client.post("/webhooks/generic/portal", data=raw, headers=headers).status_code == 202
    assert client.post("/open311/v2/requests.json",
                       data={**PIT, "email": None, "phone": LANDLINE}).status_code == 201
    logging.getLogger("engine.test").debug("contact %s, %s", EMAIL, LANDLINE)
    try:
        raise ValueError(f"cannot reach {EMAIL}")
    except ValueError:
        logging.getLogger("webhooks.test").exception("failed for %s", MOBILE)

    logged = every_line.getvalue()
    assert "peewee" in logged and "INSERT" in logged and "parameters withheld" in logged  # SQL, not its data
    assert "a***@***.ru" in logged and "***-**-34" in logged and "***-**-21" in logged
    assert "kravtsova" not in logged.lower() and "example.ru" not in logged and "Кравцова" not in logged
    assert not any(number in digits(logged) for number in PHONES.values())


def test_the_filter_is_installed_once_however_often_the_root_is_built(settings, clock, policy_set, every_line):
    factory = logging.getLogRecordFactory()
    bootstrap(settings, clock=clock, policy_set=policy_set)

    assert logging.getLogRecordFactory() is factory
    logging.getLogger("anything").warning("mail %s", EMAIL)
    assert every_line.getvalue().strip().endswith("mail a***@***.ru")
