"""Shared fixtures: a database per test, an injected clock, the app.

Every test's database is a copy of one migrated once per test process (tests/support/databases.py).
Tests run on SQLite. A test or a module marked `both_databases` runs on PostgreSQL too (those runs
carry the `postgres` mark), and one marked `postgres_only` runs there alone: the store's statements,
row locking and claims, worker processes, migrations and dialect matters (the README lists them).
PostgreSQL runs skip when the server does not answer, and fail when CI is set.
"""

from __future__ import annotations

import os

import pytest

from engine.bootstrap import bootstrap
from engine.config import Settings
from engine.policyset import load_policy_set
from engine.services.encryption_keys import configured_keys
from engine.store.db import close_database, database
from engine.store.migrations import migrate
from tests.support.databases import START, PostgresTemplate, SqliteTemplate
from tests.support.moments import MovableClock
from tests.support.paths import ROOT, RULES_DIR
from tests.support.reply_platforms import add_channels, point_runtime_at, start_platforms

PG_ADMIN_URL = os.environ.get("APPEALS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# channel credentials are encrypted at rest: every process of a test run (and a command started from it)
# uses the one key in var/encryption.key, made on the first run as `make run` makes it
os.environ.setdefault("APPEALS_ENCRYPTION_KEYS", ",".join(configured_keys(
    Settings.from_env({}, encryption_key_file=ROOT / "var" / "encryption.key"))))
DATABASES = {
    "both_databases": ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    "postgres_only": [pytest.param("postgres", marks=pytest.mark.postgres)],
}


def pytest_generate_tests(metafunc):
    for name, kinds in DATABASES.items():
        if not metafunc.definition.get_closest_marker(name):
            continue
        if "database_kind" in metafunc.fixturenames:
            metafunc.parametrize("database_kind", kinds)
        elif any(mark.name == name for mark in metafunc.definition.own_markers):
            raise pytest.UsageError(f"{metafunc.definition.nodeid} is marked {name} but uses no database")
        return


def pytest_collection_modifyitems(config, items):
    """The modules of long tests (marked slow or browser) run first, each kept whole: the suite's processes then
    end together on short tests, instead of one of them running the last long ones alone (they were last by
    their names, the end-to-end journeys and the staff pages)."""
    long_modules = {item.nodeid.split("::")[0] for item in items
                    if item.get_closest_marker("slow") or item.get_closest_marker("browser")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in long_modules)  # stable: order kept within


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def policy_set():
    return load_policy_set(RULES_DIR)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template():
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required when CI is set")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    return PostgresTemplate(PG_ADMIN_URL)


@pytest.fixture
def database_kind():
    """sqlite; parametrized over both kinds for tests marked both_databases (see pytest_generate_tests)."""
    return "sqlite"


@pytest.fixture
def database_url(request, database_kind, tmp_path):
    """A migrated database of the test's own."""
    yield from _own_database(request, database_kind, tmp_path, migrated=True)


@pytest.fixture
def empty_database_url(request, database_kind, tmp_path):
    """A database of the test's own with nothing in it, for tests of migrations."""
    yield from _own_database(request, database_kind, tmp_path, migrated=False)


def _own_database(request, database_kind, tmp_path, *, migrated: bool):
    if database_kind == "sqlite":
        if migrated:
            yield request.getfixturevalue("sqlite_template").copy(tmp_path / "appeals.db")
        else:
            yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    template = request.getfixturevalue("postgres_template")
    schema = template.schema() if migrated else template.empty_schema()
    try:
        yield template.url(schema)
    finally:
        close_database()
        template.drop(schema)


@pytest.fixture
def clock():
    return MovableClock(START)  # Monday 2026-11-30 10:00 Asia/Barnaul


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings.from_env(
        {},
        database_url=database_url,
        rules_dir=RULES_DIR,
        mail_dir=tmp_path / "mail",
        public_url="http://appeals.test",
        encryption_keys=os.environ["APPEALS_ENCRYPTION_KEYS"],
        # most tests look at the routed appeal in the webhook's answer; the default queued mode
        # (stored now, routed by the worker) has its own tests in test_routing_queued.py
        routing="inline",
    )


@pytest.fixture
def runtime(settings, clock, policy_set):
    rt = bootstrap(settings, clock=clock, policy_set=policy_set)
    database.connect(reuse_if_open=True)
    migrate(clock())
    yield rt
    close_database()


@pytest.fixture
def app(runtime):
    from webhooks import create_app

    return create_app(runtime, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    """The `appeals` command line in this process, on a migrated database of its own."""
    from webhooks.cli import main

    monkeypatch.setenv("APPEALS_DATABASE_URL", database_url)
    monkeypatch.setenv("APPEALS_RULES_DIR", str(RULES_DIR))
    monkeypatch.setenv("APPEALS_MAIL_DIR", str(tmp_path / "mail"))
    assert main(["db", "migrate"]) == 0
    yield
    close_database()


@pytest.fixture
def platforms(runtime, clock):
    """Local servers speaking the VK API and the Telegram Bot API, the runtime's reply senders pointed at
    them, and the channels (with their tokens) that reply through them."""
    found = start_platforms(clock)
    point_runtime_at(runtime, found)
    add_channels(runtime, found)
    yield found
    found.stop()
