"""The centre's picture of the region: weekly counts by topic and municipality against the previous
period, repeated addresses, the on-time panel from the first day, the strict SLA by month, the scope of
a sector head, and the same figures over HTTP (JSON, CSV) and on /analytics."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from engine.services import trends
from engine.services.access import Caller, visible_bodies, visible_sectors
from tests.support.moments import at
from tests.support.staff import PASSWORD, add_staff, bearer, log_in, routed

pytestmark = pytest.mark.both_databases

FIRST, LAST = date(2026, 11, 30), date(2026, 12, 13)  # Mon 30 Nov – Sun 13 Dec: two weeks
POPOVA = "ул. Попова, 5"


@pytest.fixture
def seeded(runtime, clock):
    """One pit in the previous period; in this one three pits at the same address from two authors (week 1)
    and a heating outage in Rubtsovsk with coordinates (week 2). All 59-ФЗ: 30 days to answer."""
    clock.set(at("Mon 2026-11-23 10:00"))
    routed(runtime, external_id="old-pit", address=POPOVA)
    clock.set(at("Mon 2026-11-30 10:00"))
    routed(runtime, external_id="pit-1", address=POPOVA, author_id="vk:1")
    clock.set(at("Wed 2026-12-02 11:00"))
    routed(runtime, external_id="pit-2", address=POPOVA, author_id="vk:2")
    clock.set(at("Sun 2026-12-06 23:30"))  # still week 1, local time
    routed(runtime, external_id="pit-3", address=POPOVA, author_id="vk:2")
    clock.set(at("Tue 2026-12-08 09:00"))
    routed(runtime, "Нет отопления во всём доме", external_id="heat-1", municipality="rubtsovsk", category=None,
           lat=51.53, long=81.21)
    clock.set(at("Mon 2026-12-14 10:00"))


def report_for(runtime, caller=None):
    directory = runtime.policy_set.directory
    scope = ({} if caller is None else
             {"bodies": visible_bodies(caller, directory), "sectors": visible_sectors(caller)})
    return trends.trends_report(runtime, first=FIRST, last=LAST, **scope)


def test_weekly_counts_by_topic_and_place_with_the_change_against_the_previous_period(runtime, seeded):
    report = report_for(runtime)

    assert [(w["start"], w["end"], w["total"]) for w in report["weeks"]] == [
        ("2026-11-30", "2026-12-06", 3), ("2026-12-07", "2026-12-13", 1)]
    assert report["weeks"][0]["by_topic"] == {"roads": 3} and report["weeks"][1]["by_municipality"] == {"rubtsovsk": 1}
    assert report["previous"] == {"from": "2026-11-16", "to": "2026-11-29"}
    assert report["total"] == {"count": 4, "previous": 1, "change": 3, "change_pct": 300.0}
    topics = {line["topic"]: line for line in report["by_topic"]}
    assert (topics["roads"]["count"], topics["roads"]["previous"], topics["roads"]["change_pct"]) == (3, 1, 200.0)
    assert (topics["housing"]["name"], topics["housing"]["count"], topics["housing"]["change_pct"]) == ("ЖКХ", 1, None)
    places = {line["municipality"]: line["name"] for line in report["by_municipality"]}
    assert places == {"barnaul": "Барнаул", "rubtsovsk": "Рубцовск"}


def test_an_address_written_again_and_again_is_a_recurring_problem(runtime, seeded):
    [repeat] = report_for(runtime)["repeats"]

    assert (repeat["address"], repeat["municipality"], repeat["topic"]) == (POPOVA, "barnaul", "roads")
    assert (repeat["appeals"], repeat["authors"]) == (3, 2)  # the previous period's pit is not counted


def test_the_on_time_panel_reads_from_the_first_day_while_the_strict_sla_has_nothing_due(runtime, clock, seeded):
    report = report_for(runtime)

    assert report["on_time"]["total"]["open_on_track"] == 4 and report["on_time"]["total"]["share"] == 1.0
    assert "open_on_track" in report["on_time"]["formula"]
    assert report["sla_by_body"]["months"] == ["2026-11", "2026-12"] and report["sla_by_body"]["items"] == []

    clock.set(at("Fri 2027-01-15 10:00"))  # every answer is now late
    late = report_for(runtime)
    assert late["on_time"]["total"]["open_overdue"] == 4 and late["on_time"]["total"]["share"] == 0.0


def test_the_map_gets_the_appeals_that_carry_coordinates(runtime, seeded):
    report = report_for(runtime)

    assert [(p["lat"], p["long"], p["municipality"]) for p in report["map"]["points"]] == [(51.53, 81.21, "rubtsovsk")]
    assert report["map"]["municipalities"] == {"barnaul": 3, "rubtsovsk": 1}


def test_a_sector_head_sees_the_figures_of_her_sector_only(runtime, seeded):
    housing = Caller(token_id=None, role="manager", label=None, user="h", sector="housing", sectors=("housing",))

    report = report_for(runtime, housing)

    assert report["total"]["count"] == 1 and [line["topic"] for line in report["by_topic"]] == ["housing"]
    assert report["repeats"] == []


def test_the_api_gives_the_same_figures_as_json_and_csv(runtime, client, seeded):
    tokens = add_staff(runtime)
    manager = bearer(tokens["centre-manager"])

    as_json = client.get("/api/v1/reports/trends?from=2026-11-30&to=2026-12-13", headers=manager)
    as_csv = client.get("/api/v1/reports/trends?from=2026-11-30&to=2026-12-13&format=csv", headers=manager)
    wrong = client.get("/api/v1/reports/trends?from=2026-12-13&to=2026-11-30", headers=manager)
    official = client.get("/api/v1/reports/trends", headers=bearer(tokens["roads-official"]))

    assert as_json.status_code == 200 and as_json.get_json()["total"] == report_for(runtime)["total"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert {"week_start": "2026-11-30", "week_end": "2026-12-06", "dimension": "topic", "code": "roads",
            "appeals": "3"} in rows
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "invalid_fields"
    assert official.status_code == 403


def test_the_page_draws_its_charts_and_map_on_the_server(runtime, client, seeded):
    add_staff(runtime)
    log_in(client, "centre-manager", PASSWORD)

    page = client.get("/analytics?from=2026-11-30&to=2026-12-13").get_data(as_text=True)

    assert page.count("<svg") == 4 and "clipPath" in page
    assert 'data-municipality="rubtsovsk"' in page and 'class="appeal-point"' in page
    assert "30.11.2026" in page and "+200.0 %" in page
    assert "http://" not in page.split("<main>")[1].replace("http://www.w3.org/2000/svg", "")


def test_a_period_longer_than_two_years_is_refused(runtime):
    with pytest.raises(ValueError, match="at most"):
        trends.local_period(runtime, "2024-01-01", (date(2024, 1, 1) + timedelta(days=800)).isoformat())


def test_answers_returned_for_rework_are_counted_by_body(runtime, client):
    tokens = add_staff(runtime)
    # a 59-ФЗ appeal to the Governor is on control: its answer waits for the curator's review
    appeal_id = routed(runtime, "Уважаемый Губернатор! На ул. Попова огромные ямы", external_id="gov-trend")
    official, curator = bearer(tokens["roads-official"]), bearer(tokens["centre-curator"])
    for name, payload, who in (("take", {}, official), ("answer", {"text": "Черновик"}, official),
                               ("return_answer", {"remarks": "Нет срока ремонта"}, curator),
                               ("answer", {"text": "Отремонтируем до 10 декабря"}, official),
                               ("approve_answer", {}, curator)):
        assert client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=who).status_code == 200
    today = runtime.now().date()

    report = trends.trends_report(runtime, first=today - timedelta(days=6), last=today)

    assert report["returned_answers"]["items"] == [
        {"body": "barnaul-roads-committee", "name": "Комитет по дорожному хозяйству и транспорту города Барнаула",
         "returned_answers": 1, "reviewed_answers": 2, "previous_returned": 0}]
