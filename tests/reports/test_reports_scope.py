"""Reports follow the scope of the appeals list: a sector manager's SLA, at-risk list, CSV and dashboard
count only the bodies of their sector."""

from __future__ import annotations

import csv
import io

import pytest

from engine.services import reports
from tests.support.moments import at
from tests.support.staff import add_staff, bearer, log_in, routed

ROADS = "barnaul-roads-committee"
HOUSING = "barnaul-housing-committee"


@pytest.fixture
def two_sectors(runtime, clock):
    """A pit (roads) and a burst pipe (housing) in Barnaul, both 59-ФЗ appeals routed Mon 2026-11-30 10:00:
    answers due Wed 30 Dec 23:59:59."""
    pit = routed(runtime)
    pipe = routed(runtime, text="Во дворе дома 5 по ул. Ленина прорвало трубу, течёт вода", external_id="hs-1",
                  category="housing")
    return {"pit": pit, "pipe": pipe, "tokens": add_staff(runtime)}


def test_the_two_appeals_belong_to_bodies_of_two_sectors(client, two_sectors):
    centre = bearer(two_sectors["tokens"]["centre-manager"])
    bodies = {a["id"]: a["body"] for a in client.get("/api/v1/appeals", headers=centre).get_json()["items"]}
    assert bodies == {two_sectors["pit"]: ROADS, two_sectors["pipe"]: HOUSING}
    roads = bearer(two_sectors["tokens"]["roads-manager"])
    assert [a["body"] for a in client.get("/api/v1/appeals", headers=roads).get_json()["items"]] == [ROADS]


def test_a_sector_manager_sees_the_sla_of_the_sector_bodies_only(client, clock, two_sectors):
    clock.set(at("Mon 2027-01-11 10:00 +0700"))  # both answers open and overdue
    query = "/api/v1/reports/sla?from=2026-12-01&to=2026-12-31"

    roads = client.get(query, headers=bearer(two_sectors["tokens"]["roads-manager"])).get_json()
    centre = client.get(query, headers=bearer(two_sectors["tokens"]["centre-manager"])).get_json()

    assert [line["body"] for line in roads["items"]] == [ROADS]
    assert roads["total"]["open_overdue"] == 1 and ROADS in roads["scope"] and HOUSING not in roads["scope"]
    assert [line["body"] for line in centre["items"]] == [HOUSING, ROADS]
    assert centre["total"]["open_overdue"] == 2 and centre["scope"] == "all"


def test_a_sector_manager_asking_for_another_sectors_body_gets_nothing(client, clock, two_sectors):
    clock.set(at("Mon 2027-01-11 10:00 +0700"))

    answer = client.get(f"/api/v1/reports/sla?from=2026-12-01&to=2026-12-31&body={HOUSING}",
                        headers=bearer(two_sectors["tokens"]["roads-manager"]))

    assert answer.status_code == 200
    assert answer.get_json()["items"] == [] and answer.get_json()["total"]["open_overdue"] == 0


def test_a_sector_manager_sees_at_risk_appeals_of_the_sector_only(client, clock, two_sectors):
    clock.set(at("Tue 2026-12-29 10:00 +0700"))  # 14 working hours before both answers are due
    query = "/api/v1/reports/at-risk?hours=16"

    roads = client.get(query, headers=bearer(two_sectors["tokens"]["roads-manager"])).get_json()
    centre = client.get(query, headers=bearer(two_sectors["tokens"]["centre-manager"])).get_json()

    assert [(i["appeal_id"], i["body"]) for i in roads["items"]] == [(two_sectors["pit"], ROADS)]
    assert {i["body"] for i in centre["items"]} == {ROADS, HOUSING}


@pytest.mark.parametrize("report", ["sla?from=2026-12-01&to=2026-12-31&format=csv", "at-risk?hours=16&format=csv"])
def test_the_csv_exports_of_a_sector_manager_hold_the_sector_bodies_only(client, clock, two_sectors, report):
    clock.set(at("Tue 2026-12-29 10:00 +0700") if "at-risk" in report else at("Mon 2027-01-11 10:00 +0700"))

    answer = client.get(f"/api/v1/reports/{report}", headers=bearer(two_sectors["tokens"]["roads-manager"]))

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert {r["body"] for r in rows} - {"total"} == {ROADS}


def test_the_service_without_a_scope_counts_every_body(runtime, clock, two_sectors):
    clock.set(at("Mon 2027-01-11 10:00 +0700"))
    start, end = reports.period(runtime, "2026-12-01", "2026-12-31")

    everything = reports.sla_report(runtime, start=start, end=end)
    nothing = reports.sla_report(runtime, start=start, end=end, bodies=frozenset())

    assert everything["total"]["open_overdue"] == 2 and everything["scope"] == "all"
    assert nothing["items"] == [] and nothing["scope"] == []


@pytest.mark.both_databases
def test_the_dashboard_of_a_sector_manager_shows_the_sector_bodies_only(client, runtime, clock, two_sectors):
    clock.set(at("Mon 2027-01-11 10:00 +0700"))
    names = {body: runtime.policy_set.directory.bodies[body].name for body in (ROADS, HOUSING)}

    log_in(client, "roads-manager")
    page = client.get("/dashboard").get_data(as_text=True)

    assert names[ROADS] in page and names[HOUSING] not in page


@pytest.mark.both_databases
def test_the_dashboard_of_the_centre_manager_shows_every_body(client, runtime, clock, two_sectors):
    clock.set(at("Mon 2027-01-11 10:00 +0700"))
    names = {body: runtime.policy_set.directory.bodies[body].name for body in (ROADS, HOUSING)}

    log_in(client, "centre-manager")
    page = client.get("/dashboard").get_data(as_text=True)

    assert names[ROADS] in page and names[HOUSING] in page
