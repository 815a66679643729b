"""The directory names the centre's triage desk (`triage_body`); routing, the facts, the digest and
`appeals deadline` take it from there, never from code."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from engine.domain.directory import Directory, DirectoryError
from engine.policyset import PolicySetError
from engine.store.models import ClockRecord
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import edited_policy
from tests.support.staff import routed
from tests.test_cli import run

UNCLEAR = "Прошу разъяснить порядок получения справки"


def directory_doc() -> dict:
    return yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))


def the_city_administration_sorts(doc: dict) -> None:
    doc["triage_body"] = "barnaul-admin"  # municipal office hours: 08:00–12:00, 13:00–17:00


def test_the_demo_directory_names_the_centre_s_triage_desk(policy_set):
    assert policy_set.directory.triage_body == "cur-triage"


@pytest.mark.parametrize(("value", "message"), [
    (None, "directory.yaml: field triage_body: required"),
    ("", "directory.yaml: field triage_body: required"),
    ("nowhere", "directory.yaml: field triage_body: unknown body 'nowhere'"),
    (["cur-triage"], "directory.yaml: field triage_body: required"),
])
def test_a_triage_body_that_is_missing_or_not_a_body_of_the_directory_is_refused(value, message):
    doc = directory_doc()
    doc.pop("triage_body")
    if value is not None:
        doc["triage_body"] = value

    with pytest.raises(DirectoryError) as error:
        Directory.from_document(doc)
    assert message in str(error.value)


def test_a_rules_folder_with_a_wrong_triage_body_does_not_load_and_says_where(tmp_path):
    def wrong(doc):
        doc["triage_body"] = "cur-triaj"

    with pytest.raises(PolicySetError, match=r"directory\.yaml: field triage_body: unknown body .cur-triaj."):
        edited_policy(tmp_path, directory=wrong)


def test_the_triage_desk_s_hours_decide_whether_an_appeal_came_in_working_time(policy_set, tmp_path):
    from engine.domain.appeal import IncomingAppeal

    other = edited_policy(tmp_path, directory=the_city_administration_sorts)
    # Mon 30 Nov 2026 17:30 Asia/Barnaul: the centre works until 18:00, the city administration until 17:00
    incoming = IncomingAppeal(channel="vk", external_id="late-1", text=UNCLEAR,
                              received_at=datetime(2026, 11, 30, 10, 30, tzinfo=UTC))

    assert policy_set.read(incoming)[0]["working_time"] is True
    assert other.read(incoming)[0]["working_time"] is False
    assert other.reading_version != policy_set.reading_version


def test_only_an_appeal_routed_to_the_named_triage_desk_keeps_its_forwarding_clock_running(runtime, tmp_path):
    at_triage = routed(runtime, external_id="triage-1", text=UNCLEAR, category=None)
    runtime.policy_set = edited_policy(tmp_path, directory=the_city_administration_sorts)
    elsewhere = routed(runtime, external_id="triage-2", text=UNCLEAR, category=None)

    forward = {c.appeal_id: c for c in ClockRecord.select().where(ClockRecord.kind == "forward")}
    assert forward[at_triage].stopped_at is None  # cur-triage sorts it and forwards it within 7 days
    assert forward[elsewhere].stopped_at is not None  # cur-triage is now an ordinary body


def test_appeals_deadline_counts_in_the_triage_desk_s_hours_unless_told_a_body(cli_env, capsys, monkeypatch, tmp_path):
    start = ("--policy", "incident", "--start", "2026-11-30T17:30:00+07:00", "--json")

    def first_response(*extra) -> str:
        code, out, err = run(capsys, "deadline", *start, *extra)
        assert code == 0, err
        return next(c["due"] for c in json.loads(out)["clocks"] if c["kind"] == "first_response")

    # 9 working hours from Mon 17:30: the centre (9–13, 14–18) → Wed 09:30; the city (8–12, 13–17) → Wed 09:00
    assert first_response() == first_response("--body", "cur-triage") == "2026-12-02T09:30:00+07:00"
    edited_policy(tmp_path, directory=the_city_administration_sorts)
    monkeypatch.setenv("APPEALS_RULES_DIR", str(tmp_path / "rules"))
    assert first_response() == first_response("--body", "barnaul-admin") == "2026-12-02T09:00:00+07:00"
