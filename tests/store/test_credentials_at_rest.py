"""Channel credentials are encrypted at rest: the database file alone reveals no secret and signs no
webhook; an older key still decrypts, `appeals keys rotate` re-encrypts with the newest, and the
migration encrypts what was stored in clear text before."""

from __future__ import annotations

import dataclasses
import logging
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from engine.config import Settings
from engine.services import credentials, encryption_keys
from engine.store import encryption
from engine.store.db import close_database, database, open_database
from engine.store.encryption import SecretUnreadable, new_key, use_keys
from engine.store.migrations import migrate
from engine.store.models import AppealRecord, ChannelRecord, MigrationRecord
from tests.support.command_line import run
from tests.support.databases import START
from tests.support.signing import body_of, signed_headers

GENERIC_SECRET = "generic-hmac-key-7Qm2ZxTe"
ROTATED_SECRET = "generic-hmac-key-after-rotation-Kd81"
VK_SECRET = "vk-callback-secret-Pb5ra"
VK_CONFIRMATION = "vk-confirm-4c1d9e"
VK_TOKEN = "vk1.a.community-access-token-Hx77Lq"
BOT_TOKEN = "123456789:telegram-bot-secret-AAE5xQ"
OPEN311_KEY = "open311-api-key-Zt6Wn3"
CLEAR = (GENERIC_SECRET, ROTATED_SECRET, VK_SECRET, VK_CONFIRMATION, VK_TOKEN, BOT_TOKEN, OPEN311_KEY)

APPEAL = {"external_id": "dump-1", "text": "На ул. Попова огромные ямы у дома 105", "municipality": "barnaul",
          "regime": "fz59", "fz59": True}


@pytest.fixture(autouse=True)
def _restore_the_test_keys():
    yield
    use_keys(os.environ["APPEALS_ENCRYPTION_KEYS"].split(","))


def register_every_kind(now) -> str:
    """Every kind of channel with every credential it can hold; returns the Telegram channel's
    generated secret (its webhook's secret token)."""
    credentials.add_channel(now, "portal", "generic", GENERIC_SECRET)
    credentials.rotate_channel_secret(now, "portal", ROTATED_SECRET)  # the old one is kept, as previous
    credentials.add_channel(now, "vk-group", "vk", VK_SECRET, VK_CONFIRMATION, 218000001, api_token=VK_TOKEN)
    generated = credentials.add_channel(now, "bot", "telegram", api_token=BOT_TOKEN)
    credentials.add_channel(now, "city311", "open311", OPEN311_KEY)
    return generated


def file_bytes(database_url: str) -> bytes:
    """The database as a copy of its file would carry it: the file and its write-ahead log."""
    path = Path(database_url.removeprefix("sqlite:///"))
    found = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            found += extra.read_bytes()
    return found


def stored_columns(database_url: str) -> list[str]:
    path = database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT secret, previous_secret, confirmation, api_token FROM channel_record").fetchall()
    return [value for row in rows for value in row if value is not None]


def test_a_copy_of_the_database_file_holds_no_channel_secret_and_cannot_sign_a_webhook(
        runtime, client, clock, settings):
    telegram_secret = register_every_kind(runtime.now())
    body = body_of(APPEAL)
    timestamp = int(clock().timestamp())
    close_database()

    dump = file_bytes(settings.database_url)
    stored = stored_columns(settings.database_url)

    for secret in (*CLEAR, telegram_secret):
        assert secret.encode() not in dump, secret
    assert len(stored) == 8 and all(value.startswith("fernet:") for value in stored)
    # whoever has the file tries every stored value as the signing key: none is accepted
    for value in stored:
        forged = client.post("/webhooks/generic/portal", data=body, headers=signed_headers(value, body, timestamp))
        assert forged.status_code == 401, forged.get_json()
    # the channel itself, holding the real secret, is accepted: the refusals above are about the key
    genuine = client.post("/webhooks/generic/portal", data=body,
                          headers=signed_headers(ROTATED_SECRET, body, timestamp))
    assert genuine.status_code == 202, genuine.get_json()


def test_the_service_reads_back_every_credential_it_stored(runtime):
    register_every_kind(runtime.now())

    vk = credentials.find_channel("vk-group")
    portal = credentials.find_channel("portal")

    assert (vk.secret, vk.confirmation, vk.api_token) == (VK_SECRET, VK_CONFIRMATION, VK_TOKEN)
    assert (portal.secret, portal.previous_secret) == (ROTATED_SECRET, GENERIC_SECRET)
    assert credentials.find_channel("bot").api_token == BOT_TOKEN
    assert credentials.channel_for_secret("open311", OPEN311_KEY, runtime.now()) == "city311"


def test_an_older_key_still_decrypts_and_rotation_moves_everything_to_the_newest(runtime, settings):
    old, new = new_key(), new_key()
    use_keys([old])
    register_every_kind(runtime.now())
    before = stored_columns(settings.database_url)

    use_keys([new, old])  # a new key first, the old one kept
    assert credentials.find_channel("vk-group").api_token == VK_TOKEN

    report = encryption_keys.rotate(runtime.now())
    after = stored_columns(settings.database_url)

    assert (report.channels, report.values) == (4, 8)
    assert set(before).isdisjoint(after)
    use_keys([new])  # the old key removed: everything is still readable
    assert credentials.find_channel("vk-group").api_token == VK_TOKEN
    assert credentials.find_channel("portal").previous_secret == GENERIC_SECRET
    use_keys([old])  # and the old key alone no longer reads what was re-encrypted
    with pytest.raises(SecretUnreadable, match="APPEALS_ENCRYPTION_KEYS"):
        credentials.find_channel("vk-group")


def test_appeals_keys_rotate_and_generate_on_the_command_line(cli_env, capsys):
    code, out, _ = run(capsys, "channel", "add", "portal", "--kind", "generic", "--secret", GENERIC_SECRET)
    assert code == 0
    code, key, _ = run(capsys, "keys", "generate")
    assert code == 0 and encryption.KeyRing([key.strip()]).size == 1
    os.environ["APPEALS_ENCRYPTION_KEYS"] = f"{key.strip()},{os.environ['APPEALS_ENCRYPTION_KEYS']}"
    try:
        code, out, _ = run(capsys, "keys", "rotate")
        assert code == 0
        assert "перешифровано значений: 1 (каналов: 1)" in out
        use_keys([key.strip()])
        with database.connection_context():
            assert credentials.find_channel("portal").secret == GENERIC_SECRET
    finally:
        os.environ["APPEALS_ENCRYPTION_KEYS"] = os.environ["APPEALS_ENCRYPTION_KEYS"].split(",", 1)[1]


@pytest.mark.both_databases
def test_the_migration_encrypts_secrets_stored_in_clear_text_and_leaves_no_copy_in_the_file(database_url):
    open_database(database_url)
    database.connect(reuse_if_open=True)
    try:
        param = database.obj.param
        database.execute_sql(
            "INSERT INTO channel_record (name, kind, secret, previous_secret, confirmation, api_token, created_at) "
            f"VALUES ({', '.join([param] * 7)})",
            ["legacy-vk", "vk", VK_SECRET, GENERIC_SECRET, VK_CONFIRMATION, VK_TOKEN, START.replace(tzinfo=None)])
        MigrationRecord.delete().where(MigrationRecord.number == 19).execute()

        assert migrate(START) == [19]
        assert migrate(START) == []  # applying again changes nothing

        record = ChannelRecord.get(ChannelRecord.name == "legacy-vk")
        assert (record.secret, record.previous_secret, record.confirmation, record.api_token) == (
            VK_SECRET, GENERIC_SECRET, VK_CONFIRMATION, VK_TOKEN)
        raw = database.execute_sql("SELECT secret, previous_secret, confirmation, api_token FROM channel_record"
                                   ).fetchone()
        assert all(value.startswith("fernet:") for value in raw)
    finally:
        close_database()
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        dump = file_bytes(database_url)
        for secret in (VK_SECRET, GENERIC_SECRET, VK_CONFIRMATION, VK_TOKEN):
            assert secret.encode() not in dump, secret


def test_without_keys_in_the_environment_a_key_file_is_made_once_for_the_owner_alone(tmp_path, caplog):
    settings = Settings.from_env({}, encryption_key_file=tmp_path / "var" / "encryption.key")

    with caplog.at_level(logging.WARNING):
        first = encryption_keys.configured_keys(settings)
    again = encryption_keys.configured_keys(settings)

    assert first == again and len(first) == 1
    assert stat.S_IMODE((tmp_path / "var" / "encryption.key").stat().st_mode) == 0o600
    assert "APPEALS_ENCRYPTION_KEYS is not set" in caplog.text
    assert first[0] not in caplog.text


def test_healthz_warns_while_the_keys_come_from_the_key_file(runtime, client):
    assert client.get("/healthz").get_json()["warnings"] == []  # the tests set APPEALS_ENCRYPTION_KEYS

    laptop = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, encryption_keys=""))
    client.application.extensions["appeals_runtime"] = laptop
    warnings = client.get("/healthz").get_json()["warnings"]

    assert len(warnings) == 1 and "APPEALS_ENCRYPTION_KEYS не задан" in warnings[0]


def test_a_key_that_is_not_a_fernet_key_is_refused_naming_the_variable_not_the_value():
    settings = Settings.from_env({"APPEALS_ENCRYPTION_KEYS": "not-a-key-but-a-password"})

    with pytest.raises(encryption_keys.EncryptionKeyError) as refused:
        encryption_keys.install_keys(settings)

    assert "APPEALS_ENCRYPTION_KEYS" in str(refused.value)
    assert "not-a-key-but-a-password" not in str(refused.value)


def test_a_webhook_whose_secret_no_configured_key_decrypts_answers_503_to_be_retried(runtime, client, clock):
    credentials.add_channel(runtime.now(), "portal", "generic", GENERIC_SECRET)
    use_keys([new_key()])  # the key the secret was encrypted with is gone
    body = body_of(APPEAL)

    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers(GENERIC_SECRET, body, int(clock().timestamp())))

    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.get_json()["error"]["code"] == "credentials_unreadable"
    assert GENERIC_SECRET not in answer.get_data(as_text=True)
    use_keys(os.environ["APPEALS_ENCRYPTION_KEYS"].split(","))
    assert AppealRecord.select().count() == 0


def test_processes_starting_together_on_a_laptop_agree_on_one_key(tmp_path):
    import subprocess
    import sys

    from tests.support.paths import ROOT

    key_file = tmp_path / "var" / "encryption.key"
    program = ("from engine.config import Settings; from engine.services.encryption_keys import configured_keys; "
               f"print(configured_keys(Settings.from_env({{}}, encryption_key_file={str(key_file)!r}))[0])")
    starts = [subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True) for _ in range(4)]
    keys = {process.communicate(timeout=60)[0].strip() for process in starts}

    assert keys == {key_file.read_text(encoding="ascii").strip()}
    assert [p.name for p in key_file.parent.iterdir()] == ["encryption.key"]  # no draft left behind
