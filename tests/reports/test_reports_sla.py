"""SLA compliance counts open overdue clocks; the at-risk forecast looks ahead in working hours."""

from __future__ import annotations

import csv
import io

import pytest

from engine.services import reports
from engine.services.clocks import operate
from tests.support.appeals import routed_pit
from tests.support.moments import at
from tests.support.staff import add_staff, bearer


@pytest.fixture
def four_answers(runtime, clock):
    """Four 59-ФЗ answers due Wed 6 May: closed on time, closed late, open overdue, paused before due."""
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    ids = [routed_pit(runtime, clock, external_id=f"sla-{n}") for n in range(4)]
    clock.set(at("Thu 2026-04-30 10:00 +0700"))
    operate(runtime, ids[0], "answer", "stop", {"reason": "ответ дан"}, actor="u:1", role="official")
    operate(runtime, ids[3], "answer", "pause", {"reason": "уточнение"}, actor="u:1", role="official")
    clock.set(at("Thu 2026-05-07 12:00 +0700"))
    operate(runtime, ids[1], "answer", "stop", {"reason": "ответ дан"}, actor="u:1", role="official")
    clock.set(at("Fri 2026-05-08 10:00 +0700"))
    return ids


def may(runtime):
    return reports.period(runtime, "2026-05-01", "2026-05-31")


@pytest.mark.both_databases
def test_compliance_is_on_time_closed_over_closed_plus_open_overdue(runtime, four_answers):
    start, end = may(runtime)

    report = reports.sla_report(runtime, start=start, end=end, group_by="body")

    assert report["formula"] == "compliance = on_time_closed / (closed + open_overdue)"
    total = report["total"]
    assert (total["on_time_closed"], total["closed"], total["open_overdue"], total["pending"]) == (1, 2, 1, 1)
    assert total["compliance"] == pytest.approx(1 / 3, abs=1e-4)
    assert [item["body"] for item in report["items"]] == ["barnaul-roads-committee"]


@pytest.mark.both_databases
def test_a_clock_due_outside_the_period_is_not_counted(runtime, four_answers):
    start, end = reports.period(runtime, "2026-04-01", "2026-04-30")

    report = reports.sla_report(runtime, start=start, end=end)

    assert report["items"] == [] and report["total"]["compliance"] is None


@pytest.mark.both_databases
def test_the_report_groups_by_month_and_by_clock_kind(runtime, four_answers):
    start, end = may(runtime)

    by_month = reports.sla_report(runtime, start=start, end=end, group_by="month")
    by_clock = reports.sla_report(runtime, start=start, end=end, group_by="clock", kinds=("answer", "registration"))

    assert [i["month"] for i in by_month["items"]] == ["2026-05"]
    assert [i["clock"] for i in by_clock["items"]] == ["answer"]  # registrations were due in April


@pytest.mark.both_databases
def test_a_period_in_local_days_ends_after_the_last_day(runtime):
    start, end = reports.period(runtime, "2026-05-01", "2026-05-31")

    assert start == at("Fri 2026-05-01 00:00 +0700") and end == at("Mon 2026-06-01 00:00 +0700")
    with pytest.raises(ValueError, match="before"):
        reports.period(runtime, "2026-06-01", "2026-05-01")
    with pytest.raises(ValueError, match="offset"):
        reports.period(runtime, "2026-05-01T10:00", None)


def test_the_sla_api_states_the_formula_and_exports_csv(client, runtime, four_answers):
    token = add_staff(runtime)["centre-manager"]

    answer = client.get("/api/v1/reports/sla?from=2026-05-01&to=2026-05-31&group_by=municipality",
                        headers=bearer(token))
    exported = client.get("/api/v1/reports/sla?from=2026-05-01&to=2026-05-31&format=csv", headers=bearer(token))

    assert answer.status_code == 200
    assert answer.get_json()["formula"].startswith("compliance = on_time_closed")
    assert answer.get_json()["items"][0]["municipality"] == "barnaul"
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[-1]["body"] == "total" and rows[-1]["compliance"] == "0.3333"


def test_a_bad_report_query_is_422_naming_the_parameter(client, runtime):
    token = add_staff(runtime)["centre-manager"]

    assert "group_by" in client.get("/api/v1/reports/sla?group_by=colour",
                                    headers=bearer(token)).get_json()["error"]["fields"]
    assert client.get("/api/v1/reports/sla?from=yesterday", headers=bearer(token)).status_code == 422
    assert client.get("/api/v1/reports/sla", headers=bearer(add_staff_token(runtime))).status_code == 403


def add_staff_token(runtime) -> str:
    from engine.services import credentials

    return credentials.create_token(runtime.now(), "official")


@pytest.mark.parametrize(("now", "hours", "expected"), [
    # the first response of a high-importance incident received Mon 10:00 is due Mon 15:00
    ("Mon 2026-04-06 13:30 +0700", 2, ["first_response"]),
    ("Mon 2026-04-06 13:30 +0700", 1, []),
    ("Mon 2026-04-06 10:00 +0700", 4, ["first_response"]),  # due exactly at the horizon
    ("Mon 2026-04-06 10:00 +0700", 3, []),
])
def test_the_at_risk_forecast_lists_clocks_due_within_n_working_hours(runtime, clock, now, hours, expected):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    routed_pit(runtime, clock, regime="incident", external_id="inc-1")
    routed_pit(runtime, clock, external_id="fz-1")
    clock.set(at(now))

    report = reports.at_risk(runtime, working_hours=hours)

    assert [i["clock"] for i in report["items"]] == expected
    if expected and hours == 2:
        assert report["items"][0]["remaining_working_seconds"] == 90 * 60
        assert report["items"][0]["due"] == "2026-04-06T15:00:00+07:00"


@pytest.mark.both_databases
def test_the_at_risk_api_answers_json_and_csv(client, runtime, clock):
    clock.set(at("Mon 2026-04-06 10:00 +0700"))
    routed_pit(runtime, clock, regime="incident", external_id="inc-1")
    clock.set(at("Mon 2026-04-06 13:30 +0700"))
    token = add_staff(runtime)["centre-manager"]

    answer = client.get("/api/v1/reports/at-risk?hours=2", headers=bearer(token))
    exported = client.get("/api/v1/reports/at-risk?hours=2&format=csv", headers=bearer(token))

    assert [i["appeal_id"] for i in answer.get_json()["items"]] == [1]
    assert exported.get_data(as_text=True).splitlines()[0].startswith("appeal_id,clock,body")
