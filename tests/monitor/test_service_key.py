"""The VK service key is kept encrypted at rest: stored with `appeals watch key set` (from standard input,
never an argument) or from APPEALS_VK_SERVICE_TOKEN, a dump of the database does not hold it in clear text,
`appeals keys rotate` re-encrypts it, and the watch job reads the walls with the key from the database."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

from engine.jobs import run_job
from engine.services import encryption_keys, service_key, watching
from engine.store import encryption
from engine.store.db import close_database
from engine.store.encryption import SecretUnreadable, new_key, use_keys
from engine.store.models import AppealRecord, AuditRecord
from engine.store.service_keys import ServiceKeyRecord
from tests.support.command_line import run
from tests.support.vk_walls import FakeVkWalls

pytestmark = pytest.mark.both_databases

KEY = "a1b2c3d4e5f6.service-key-of-the-centre-Qw81"
CITY = 218_000_001


@pytest.fixture(autouse=True)
def _restore_the_test_keys():
    import os

    yield
    use_keys(os.environ["APPEALS_ENCRYPTION_KEYS"].split(","))


def dump(database_url: str) -> bytes:
    """What a copy of the database carries: the SQLite file (and its log), or pg_dump of the test's schema."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists())
    base, _, query = database_url.partition("?")
    schema = unquote(query).split("search_path=", 1)[1]
    url = base.replace("postgres://", "postgresql://", 1)
    return subprocess.run(["pg_dump", "--schema", schema, url], capture_output=True, check=True, timeout=60).stdout


def test_the_key_set_from_standard_input_is_stored_encrypted_and_the_watch_job_reads_with_it(
        cli_env, runtime, database_url, monkeypatch, capsys, clock):
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    code, out, _ = run(capsys, "watch", "key", "set", "--key-stdin")
    assert code == 0 and "сохранён в базе зашифрованным" in out and KEY not in out
    with pytest.raises(SystemExit):  # never an argument: argparse refuses it
        run(capsys, "watch", "key", "set", KEY)
    capsys.readouterr()
    close_database()

    copy = dump(database_url)

    assert b"service_key_record" in copy and b"fernet:" in copy
    assert KEY.encode() not in copy
    audit = AuditRecord.get(AuditRecord.action == "watch.key_set")
    assert KEY not in str(audit.details) and audit.actor == "cli"
    assert runtime.settings.vk_service_token == ""  # the environment has none: the database is the source
    with FakeVkWalls(KEY) as vk:  # accepts this key only: a wrong one is VK error 5
        vk.community(CITY, "barnaul22", "Барнаул 22")
        vk.now = int((runtime.now() - timedelta(hours=1)).timestamp())
        runtime.settings = dataclasses.replace(runtime.settings, vk_api_url=vk.url)
        watching.add_watch(runtime, "vk:barnaul22", municipality="barnaul", every="5m", actor="cli")
        vk.post(-CITY, "Сколько можно терпеть ямы на Малахова, колёса пробиваем каждый день", from_id=11)

        run_job(runtime, "watch")

    assert AppealRecord.select().where(AppealRecord.channel == "monitor").count() == 1


def test_the_environment_key_is_stored_encrypted_and_rotation_re_encrypts_it(runtime, database_url):
    old, new = new_key(), new_key()
    use_keys([old])
    runtime.settings = dataclasses.replace(runtime.settings, vk_service_token=KEY)

    assert service_key.service_key(runtime) == KEY  # the worker's first reading stores it
    assert AuditRecord.get(AuditRecord.action == "watch.key_set").actor == "APPEALS_VK_SERVICE_TOKEN"
    sealed = _stored()
    assert sealed.startswith(encryption.PREFIX) and KEY not in sealed

    use_keys([new, old])
    report = encryption_keys.rotate(runtime.now())

    assert report.service_keys == 1 and _stored() != sealed
    use_keys([new])
    runtime.settings = dataclasses.replace(runtime.settings, vk_service_token="")
    assert service_key.service_key(runtime) == KEY
    use_keys([old])
    with pytest.raises(SecretUnreadable):
        service_key.service_key(runtime)


def test_a_key_that_is_not_one_is_refused_and_removing_it_stops_the_reading(cli_env, runtime, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("not a key!\n"))
    code, _, err = run(capsys, "watch", "key", "set", "--key-stdin")
    assert code == 2 and "сервисный ключ VK" in err
    assert run(capsys, "watch", "key", "show")[1].startswith("сервисный ключ VK не сохранён")
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert run(capsys, "watch", "key", "set", "--key-stdin")[0] == 0
    shown = run(capsys, "watch", "key", "show")[1]
    assert "сервисный ключ VK сохранён" in shown and "(командная строка)" in shown  # who, by name, not a code
    assert run(capsys, "watch", "key", "remove")[0] == 0
    assert service_key.service_key(runtime) == ""


def _stored() -> str:
    db = ServiceKeyRecord._meta.database
    return db.execute_sql("SELECT value FROM service_key_record").fetchone()[0]


def test_removing_the_stored_key_while_the_environment_gives_one_says_the_walls_will_still_be_read(
        cli_env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert run(capsys, "watch", "key", "set", "--key-stdin")[0] == 0
    monkeypatch.setenv("APPEALS_VK_SERVICE_TOKEN", KEY)

    code, out, err = run(capsys, "watch", "key", "remove")

    assert code == 0 and "стены не читаются" not in out
    assert "APPEALS_VK_SERVICE_TOKEN" in err and KEY not in out + err
