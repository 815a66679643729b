"""What a channel answers residents with: its platform token and callback URL, set, changed and listed by an
administrator; tokens are never printed nor audited."""

from __future__ import annotations

import io
import json

import pytest

from engine.services import credentials
from engine.services.access import AccessError
from engine.store.db import database
from engine.store.models import AuditRecord, ChannelRecord
from tests.support.command_line import run

VK_TOKEN = "vk1.a.Qm9keS1vZi1hLWNvbW11bml0eS10b2tlbg"
BOT_TOKEN = "7010203040:AAE3xYzFakeBotTokenForTheTests_0123"


def channel(name: str) -> ChannelRecord:
    with database.connection_context():
        return ChannelRecord.get(ChannelRecord.name == name)


def audit_of(action: str) -> list[dict]:
    with database.connection_context():
        return [r.details for r in AuditRecord.select().where(AuditRecord.action == action).order_by(AuditRecord.id)]


def test_a_vk_channel_added_with_its_community_token_keeps_it_and_never_prints_it(cli_env, capsys):
    code, out, _ = run(capsys, "channel", "add", "vk-gov", "--kind", "vk", "--secret", "s3cret", "--group-id",
                       "218861756", "--access-token", VK_TOKEN)
    _, listing, _ = run(capsys, "channel", "list")

    assert code == 0 and VK_TOKEN not in out
    assert channel("vk-gov").api_token == VK_TOKEN
    assert "vk-gov\tВКонтакте\t" in listing and "\t218861756\tтокен задан" in listing and VK_TOKEN not in listing
    assert audit_of("channel.added")[-1] == {"channel": "vk-gov", "kind": "vk", "group_id": 218861756,
                                             "api_token": "set"}


def test_a_telegram_channel_takes_a_bot_token_and_a_generic_one_a_callback_url(cli_env, capsys):
    assert run(capsys, "channel", "add", "cur-bot", "--kind", "telegram", "--secret", "s", "--bot-token",
               BOT_TOKEN)[0] == 0
    assert run(capsys, "channel", "add", "portal", "--kind", "generic", "--secret", "s", "--callback-url",
               "https://portal.example.ru/appeals/replies")[0] == 0
    assert run(capsys, "channel", "add", "city-app", "--kind", "open311", "--secret", "k")[0] == 0

    _, listing, _ = run(capsys, "channel", "list")

    assert channel("cur-bot").api_token == BOT_TOKEN
    assert channel("portal").callback_url == "https://portal.example.ru/appeals/replies"
    lines = {line.split("\t")[0]: line for line in listing.splitlines()}
    assert lines["cur-bot"].endswith("\tтокен задан") and BOT_TOKEN.split(":")[1] not in listing
    assert lines["portal"].endswith("\tадрес https://portal.example.ru/appeals/replies")
    assert lines["city-app"].endswith("\t—") and "токен" not in lines["city-app"] and "адрес" not in lines["city-app"]


def test_a_vk_channel_without_a_token_is_listed_as_such(cli_env, capsys):
    run(capsys, "channel", "add", "vk-old", "--kind", "vk", "--secret", "s")

    _, listing, _ = run(capsys, "channel", "list")

    assert listing.strip().endswith("\tтокена нет")


REFUSED_ADDS = [
    (["--kind", "telegram", "--access-token", VK_TOKEN], "--access-token — для каналов вида vk"),
    (["--kind", "vk", "--bot-token", BOT_TOKEN], "--bot-token — для каналов вида telegram"),
    (["--kind", "generic", "--access-token", VK_TOKEN], "--access-token — для каналов вида vk"),
    (["--kind", "vk", "--callback-url", "https://x.example.ru/"], "только у каналов вида generic"),
    (["--kind", "telegram", "--bot-token", "AAE3xYzFakeBotToken"], "номер бота, «:» и секрет"),
    (["--kind", "vk", "--access-token", "vk1 token with spaces"], "ключ доступа сообщества VK"),
    (["--kind", "generic", "--callback-url", "ftp://portal.example.ru/replies"], "http:// или https://"),
    (["--kind", "generic", "--callback-url", "https://user:pw@portal.example.ru/r"], "не бывает имени и пароля"),
]


def test_a_token_or_url_that_cannot_be_right_is_refused_and_nothing_is_added(cli_env, capsys):
    for argv, message in REFUSED_ADDS:  # one database for all the cases: each leaves nothing behind
        code, _, err = run(capsys, "channel", "add", "bad", "--secret", "s", *argv)

        assert (code, message in err) == (2, True), (argv, err)
        with database.connection_context():
            assert not ChannelRecord.select().where(ChannelRecord.name == "bad").exists()


def test_a_token_is_replaced_later_audited_without_its_value(cli_env, capsys):
    run(capsys, "channel", "add", "vk-gov", "--kind", "vk", "--secret", "s", "--access-token", VK_TOKEN)
    new_token = VK_TOKEN + "-reissued"

    code, out, _ = run(capsys, "channel", "set", "vk-gov", "--access-token", new_token)

    assert code == 0 and out.strip() == "канал vk-gov: токен площадки сохранён"
    assert channel("vk-gov").api_token == new_token
    [changed] = audit_of("channel.reply_settings_changed")
    assert changed == {"channel": "vk-gov", "api_token": "replaced"}
    assert VK_TOKEN not in json.dumps([*audit_of("channel.added"), changed])


def test_a_token_can_come_from_stdin_so_it_stays_out_of_the_shell_history(cli_env, capsys, monkeypatch):
    run(capsys, "channel", "add", "cur-bot", "--kind", "telegram", "--secret", "s")
    monkeypatch.setattr("sys.stdin", io.StringIO(BOT_TOKEN + "\n"))

    code, out, _ = run(capsys, "channel", "set", "cur-bot", "--bot-token", "-")

    assert code == 0 and channel("cur-bot").api_token == BOT_TOKEN and BOT_TOKEN not in out


def test_a_token_and_a_callback_url_can_be_removed(cli_env, capsys):
    run(capsys, "channel", "add", "vk-gov", "--kind", "vk", "--secret", "s", "--access-token", VK_TOKEN)
    run(capsys, "channel", "add", "portal", "--kind", "generic", "--secret", "s", "--callback-url",
        "https://portal.example.ru/r")

    assert run(capsys, "channel", "set", "vk-gov", "--remove-token")[1].strip() == \
        "канал vk-gov: токен площадки удалён"
    assert run(capsys, "channel", "set", "portal", "--remove-callback-url")[0] == 0

    assert channel("vk-gov").api_token is None and channel("portal").callback_url is None
    assert [a.get("api_token", a.get("callback_url", "?")) for a in audit_of("channel.reply_settings_changed")] == [
        "removed", None]


REFUSED_SETS = [
    (["nope", "--access-token", VK_TOKEN], "нет канала 'nope'"),
    (["vk-gov"], "менять нечего"),
    (["vk-gov", "--bot-token", BOT_TOKEN], "--bot-token — для каналов вида telegram; этот канал вида vk "
                                           "(укажите --access-token)"),
    (["vk-gov", "--access-token", VK_TOKEN, "--remove-token"], "не оба сразу"),
]


def test_set_refuses_what_it_cannot_do_and_changes_nothing(cli_env, capsys):
    run(capsys, "channel", "add", "vk-gov", "--kind", "vk", "--secret", "s", "--access-token", VK_TOKEN)

    for argv, message in REFUSED_SETS:
        code, _, err = run(capsys, "channel", "set", *argv)

        assert (code, message in err) == (2, True), (argv, err)
    assert channel("vk-gov").api_token == VK_TOKEN
    assert audit_of("channel.reply_settings_changed") == []


def test_the_service_refuses_a_token_for_a_channel_kind_that_has_none(runtime):
    credentials.add_channel(runtime.now(), "city-app", "open311", "k")

    with pytest.raises(AccessError, match=r"только у каналов vk .* и telegram"):
        credentials.set_reply_settings(runtime.now(), "city-app", api_token=VK_TOKEN)
