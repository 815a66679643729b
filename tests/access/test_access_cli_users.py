"""`appeals user …`: operators create staff logins with a role and scope and issue tokens acting as them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from engine.services import credentials
from engine.store.db import database
from tests.support.command_line import run


def test_an_official_login_is_added_with_its_body_and_gets_a_scoped_token(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n" * 3))

    added = run(capsys, "user", "add", "ivanova", "--password-stdin", "--role", "official",
                "--body", "barnaul-roads-committee")
    issued = run(capsys, "user", "token", "ivanova")
    listed = run(capsys, "user", "list")

    assert added[0] == 0, added
    assert issued[0] == 0
    token = issued[1].strip().splitlines()[-1]
    database.connect(reuse_if_open=True)
    caller = credentials.authenticate(token, datetime.now(UTC))
    assert (caller.role, caller.body, caller.user) == ("official", "barnaul-roads-committee", "ivanova")
    header, row = listed[1].splitlines()
    assert header == "логин\tроль\tдоступ\tсостояние"
    assert row == "ivanova\tсотрудник органа\tКомитет по дорожному хозяйству и транспорту города Барнаула\tдействует"


def test_an_official_without_a_body_or_an_unknown_body_is_refused(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n" * 3))

    no_body = run(capsys, "user", "add", "petrov", "--password-stdin", "--role", "official")
    unknown = run(capsys, "user", "add", "petrov", "--password-stdin", "--role", "official", "--body", "nowhere")

    assert no_body[0] == 2 and "нужен --body" in no_body[2]
    assert unknown[0] == 2 and "нет органа" in unknown[2]


def test_a_short_password_is_refused(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))

    code, _, err = run(capsys, "user", "add", "sidorov", "--password-stdin", "--role", "manager")

    assert code == 2
    assert "не короче" in err


def test_the_list_names_roles_sector_blocks_and_disabled_logins(cli_env, capsys, monkeypatch):
    assert run(capsys, "user", "list")[1] == "пользователей нет\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n" * 3))
    assert run(capsys, "user", "add", "orlova", "--password-stdin", "--role", "manager",
               "--sector", "housing", "--sector", "roads")[0] == 0
    assert run(capsys, "user", "add", "belov", "--password-stdin", "--role", "manager")[0] == 0
    assert run(capsys, "user", "add", "zuev", "--password-stdin", "--role", "manager", "--sector", "waste")[0] == 0
    assert run(capsys, "user", "disable", "belov")[0] == 0

    rows = run(capsys, "user", "list")[1].splitlines()[1:]

    assert rows == ["belov\tруководитель\tвсе органы\tотключён",
                    "orlova\tруководитель\tсекторы «ЖКХ», «Дороги»\tдействует",
                    "zuev\tруководитель\tсектор «Обращение с отходами (ТКО)»\tдействует"]
