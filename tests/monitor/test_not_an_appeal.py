"""«Не обращение»: a curator marks a monitored appeal (audited, once); the marks become cases of the
complaint stage that the one case runner accepts."""

from __future__ import annotations

from datetime import timedelta

import yaml

from engine.domain.appeal import Author, IncomingAppeal
from engine.rulebook.cases.monitoring import MonitoringCases
from engine.services import credentials
from engine.services.channel_events import receive_from_channel
from engine.store.models import AuditRecord
from tests.support.staff import bearer
from webhooks.cli import main


def monitored(runtime, text: str, external_id: str, channel: str = "monitor") -> int:
    incoming = IncomingAppeal(channel=channel, external_id=external_id, text=text,
                              received_at=runtime.now() - timedelta(minutes=5), author=Author(type="citizen"),
                              author_id="vk:77", regime="incident", link="https://vk.com/wall-1_2?reply=3")
    return receive_from_channel(runtime, incoming, "{}").appeal_id


def test_a_curator_marks_a_monitored_appeal_once_and_others_may_not(runtime, client):
    appeal = monitored(runtime, "Когда уже лето, сколько можно ждать тепла", "reply-1_3")
    other = monitored(runtime, "Яма на дороге", "x-1", channel="hotline")
    curator = bearer(credentials.create_token(runtime.now(), "curator"))
    official = bearer(credentials.create_token(runtime.now(), "official"))
    url = f"/api/v1/monitor/appeals/{appeal}/not-an-appeal"

    assert client.post(url, json={}, headers=official).status_code == 403
    first = client.post(url, json={"comment": "шутка про погоду"}, headers=curator)
    again = client.post(url, json={}, headers=curator)

    assert first.status_code == 201 and again.status_code == 200 and again.json["new"] is False
    marks = list(AuditRecord.select().where(AuditRecord.action == "monitor.not_an_appeal"))
    assert [(m.appeal_id, m.details["comment"]) for m in marks] == [(appeal, "шутка про погоду")]
    assert client.post(f"/api/v1/monitor/appeals/{other}/not-an-appeal", json={}, headers=curator).status_code == 409
    assert client.post("/api/v1/monitor/appeals/999/not-an-appeal", json={}, headers=curator).status_code == 404


def test_marks_become_cases_the_case_runner_reads(runtime, client, database_url, monkeypatch, capsys, tmp_path):
    appeal = monitored(runtime, "Когда уже лето, сколько можно ждать тепла", "reply-1_3")
    curator = bearer(credentials.create_token(runtime.now(), "curator"))
    client.post(f"/api/v1/monitor/appeals/{appeal}/not-an-appeal", json={}, headers=curator)
    monkeypatch.setenv("APPEALS_DATABASE_URL", database_url)

    assert main(["rules", "cases", "--from-marks"]) == 0

    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["cases"] == [{"name": f"не обращение: обращение {appeal}, отмечено 30.11.2026",
                             "given": {"text": "Когда уже лето, сколько можно ждать тепла"},
                             "expect": {"complaint": False}}]
    case = doc["cases"][0]
    kind = MonitoringCases()
    assert kind.problems(runtime.policy_set, case["given"], case["expect"]) == []
    result = kind.run(runtime.policy_set, "routing/monitoring_test.yaml", case["name"], case["given"], case["expect"])
    # the stage as published still takes this joke for a complaint: the case shows what to tune
    assert not result.passed and "complaint: ожидалось False" in result.failures[0]
