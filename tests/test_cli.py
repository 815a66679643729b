"""The `appeals` command line as operators and policy staff use it."""

from __future__ import annotations

import json

import pytest

from engine.services import credentials
from engine.store.db import close_database, database
from engine.store.migrations import available
from tests.support.command_line import run
from tests.support.paths import RULES_DIR


@pytest.mark.both_databases
def test_migrating_an_empty_database_applies_every_migration_and_migrating_again_changes_nothing(
        empty_database_url, monkeypatch, capsys):
    monkeypatch.setenv("APPEALS_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("APPEALS_RULES_DIR", str(RULES_DIR))

    code, out, _ = run(capsys, "db", "migrate")
    again, out_again, _ = run(capsys, "db", "migrate")
    close_database()

    assert code == 0 and again == 0
    assert f"применены миграции: {[number for number, _, _ in available()]}" in out
    assert "в актуальном состоянии" in out_again


def test_a_59fz_answer_due_on_new_years_eve_moves_to_monday_the_eleventh_of_january(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-12-01T10:00:00+07:00", "--json")

    assert code == 0
    result = json.loads(out)
    assert result["policy"] == "fz59"
    answer = next(c for c in result["clocks"] if c["kind"] == "answer")
    # Tue 2026-12-01 + 30 days = Thu 31 Dec, a day off; 1-8 Jan are holidays, 9-10 Jan a weekend
    assert answer["due"] == "2027-01-11T23:59:59+07:00"
    assert answer["due_utc"] == "2027-01-11T16:59:59+00:00"


def test_an_incident_first_response_skips_the_may_holidays_and_the_shortened_day(cli_env, capsys):
    code, out, _ = run(capsys, "deadline", "--policy", "incident", "--start", "2026-04-30T17:30:00+07:00",
                       "--body", "min-roads", "--json")

    assert code == 0
    first = next(c for c in json.loads(out)["clocks"] if c["kind"] == "first_response")
    # Thu 30 Apr is shortened (ends 17:00); Fri 1 May - Sun 3 May off; Mon 4 May gives 8 h; 1 h on Tue 5 May
    assert first["due"] == "2026-05-05T10:00:00+07:00"


def test_an_extension_beyond_the_policy_limit_is_refused(cli_env, capsys):
    code, _, err = run(capsys, "deadline", "--policy", "fz59", "--start", "2026-12-01T10:00:00+07:00",
                       "--extend", "31")

    assert code == 2
    assert "не более чем на 30 дн." in err


def test_an_unknown_policy_is_named_in_the_error(cli_env, capsys):
    code, _, err = run(capsys, "deadline", "--policy", "nope", "--start", "2026-12-01T10:00:00+07:00")

    assert code == 2
    assert "nope" in err and "fz59" in err


def test_token_create_prints_a_working_token_alone_on_its_last_line(cli_env, capsys):
    from datetime import UTC, datetime

    code, out, _ = run(capsys, "token", "create", "--role", "manager")

    token = out.strip().splitlines()[-1]
    assert code == 0 and " " not in token
    with database.connection_context():
        caller = credentials.authenticate(token, datetime.now(UTC))
    assert caller is not None and caller.role == "manager"


def test_adding_the_same_channel_twice_is_an_error(cli_env, capsys):
    assert run(capsys, "channel", "add", "vk-barnaul", "--kind", "vk", "--secret", "x", "--confirmation", "c")[0] == 0

    code, _, err = run(capsys, "channel", "add", "vk-barnaul", "--kind", "vk")

    assert code == 2
    assert "уже есть" in err


def test_a_generated_channel_secret_is_shown_once_and_never_listed(cli_env, capsys):
    code, out, _ = run(capsys, "channel", "add", "monitor", "--kind", "generic")
    secret = out.strip().splitlines()[-1]

    _, listing, _ = run(capsys, "channel", "list")

    assert code == 0 and len(secret) >= 32
    assert "monitor" in listing and secret not in listing


def test_route_prints_the_decision_without_storing_the_appeal(cli_env, capsys, tmp_path):
    from engine.store.models import AppealRecord

    appeal = tmp_path / "appeal.json"
    appeal.write_text(json.dumps({"external_id": "x", "text": "Огромная яма на дороге", "municipality": "barnaul",
                                  "category": "roads"}, ensure_ascii=False), encoding="utf-8")

    code, out, _ = run(capsys, "route", "--json", str(appeal), "--explain")

    assert code == 0
    assert '"body": "barnaul-roads-committee"' in out
    assert "орган Комитет по дорожному хозяйству" in out and "(barnaul-roads-committee)" in out  # --explain names it
    with database.connection_context():
        assert AppealRecord.select().count() == 0


def test_route_names_invalid_fields(cli_env, capsys, tmp_path):
    appeal = tmp_path / "appeal.json"
    appeal.write_text(json.dumps({"text": "без идентификатора"}, ensure_ascii=False), encoding="utf-8")

    code, _, err = run(capsys, "route", "--json", str(appeal))

    assert code == 2
    assert "external_id" in err


def test_empty_listings_say_so_in_russian(cli_env, capsys):
    assert run(capsys, "channel", "list")[1] == "каналов нет\n"
    assert run(capsys, "token", "list")[1] == "токенов нет\n"
    assert run(capsys, "token", "list", "--json")[1] == ""
