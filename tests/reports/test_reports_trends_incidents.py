"""The top recurring problems of the centre's picture: the incidents grouping found (members, distinct
authors, address, body, status, a link to the incident's page) beside the addresses written again and
again, on GET /api/v1/reports/trends (JSON and CSV) and /analytics, within the caller's scope."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date

import pytest

from engine.services import trends
from engine.services.access import Caller, visible_bodies, visible_sectors
from engine.store.models import IncidentRecord
from tests.support.moments import at
from tests.support.staff import PASSWORD, add_staff, bearer, log_in, routed

pytestmark = pytest.mark.both_databases

FIRST, LAST = date(2026, 11, 30), date(2026, 12, 13)
OUTAGE = ["В Барнауле на ул. Антона Петрова нет света с утра",
          "Отключили электричество на улице Антона Петрова, Барнаул, сидим без света",
          "Нет света на Антона Петрова улице в Барнауле уже пять часов",
          "На ул. Антона Петрова (Барнаул) пропал свет во всех домах"]
PITS = ["Яма на проезжей части на ул. Малахова, 50", "Глубокая яма на дороге ул. Малахова у дома 52"]
ROADS_HEAD = Caller(token_id=None, role="manager", label=None, user="orlov", sector="roads", sectors=("roads",))


@pytest.fixture
def problems(runtime, clock):
    """Before the period: two pits on ул. Попова (an incident of the previous period). In it: a power cut
    on ул. Антона Петрова from four residents, two pits on ул. Малахова from two, and three appeals from
    one resident about the same address that name no street grouping recognises."""
    clock.set(at("Mon 2026-11-23 10:00"))
    for n, text in enumerate(["Огромная яма на дороге, ул. Попова, 105", "На ул. Попова яма на дороге"]):
        routed(runtime, text, external_id=f"old-{n}", author_id=f"portal:old-{n}")
    clock.set(at("Tue 2026-12-01 09:00"))
    for n, text in enumerate(OUTAGE):
        clock.set(clock().replace(minute=5 * n))
        routed(runtime, text, external_id=f"out-{n}", author_id=f"vk:{n}", category=None)
    clock.set(at("Thu 2026-12-03 12:00"))
    for n, text in enumerate(PITS):
        clock.set(clock().replace(minute=10 * n))
        routed(runtime, text, external_id=f"pit-{n}", author_id=f"portal:{n}")
    clock.set(at("Mon 2026-12-14 10:00"))
    by_street = {i.street: i.id for i in IncidentRecord.select()}
    assert set(by_street) == {"попов", "антон петров", "малахов"}, by_street
    return by_street


def report_for(runtime, caller=None):
    directory = runtime.policy_set.directory
    scope = ({} if caller is None else
             {"bodies": visible_bodies(caller, directory), "sectors": visible_sectors(caller)})
    return trends.trends_report(runtime, first=FIRST, last=LAST, **scope)


def test_incidents_of_the_period_are_the_top_recurring_problems_most_authors_first(runtime, problems):
    report = report_for(runtime)

    assert [i["id"] for i in report["incidents"]] == [problems["антон петров"], problems["малахов"]]
    outage, pits = report["incidents"]
    assert (outage["members"], outage["authors"], outage["status"], outage["status_name"]) == (4, 4, "open", "открыт")
    assert outage["body"] == "barnaul-emergency-desk" and outage["body_name"] == "ЕДДС города Барнаула"
    assert outage["municipality_name"] == "Барнаул" and outage["address"] == "ул. Антон Петров"
    assert outage["link"].endswith(f"/incidents/{problems['антон петров']}")
    assert (pits["members"], pits["authors"], pits["topic_name"]) == (2, 2, "Дороги")
    assert pits["first"] < pits["last"]


def test_a_sector_head_gets_the_incidents_of_her_block_only(runtime, problems):
    assert [i["id"] for i in report_for(runtime, ROADS_HEAD)["incidents"]] == [problems["малахов"]]


def test_the_api_gives_the_incidents_as_json_and_the_problems_as_csv(runtime, client, problems):
    tokens = add_staff(runtime)
    manager = bearer(tokens["centre-manager"])
    query = "/api/v1/reports/trends?from=2026-11-30&to=2026-12-13"

    as_json = client.get(query, headers=manager).get_json()
    as_csv = client.get(f"{query}&format=csv&part=problems", headers=manager)
    weeks = client.get(f"{query}&format=csv", headers=manager).get_data(as_text=True)
    wrong = client.get(f"{query}&format=csv&part=nonsense", headers=manager)
    roads = client.get(query, headers=bearer(tokens["roads-manager"])).get_json()

    assert [i["id"] for i in as_json["incidents"]] == [problems["антон петров"], problems["малахов"]]
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    incidents = [r for r in rows if r["kind"] == "incident"]
    assert [(r["incident_id"], r["appeals"], r["authors"], r["status"]) for r in incidents] == [
        (str(problems["антон петров"]), "4", "4", "open"), (str(problems["малахов"]), "2", "2", "open")]
    assert incidents[0]["body"] == "barnaul-emergency-desk" and incidents[0]["link"].endswith(
        f"/incidents/{problems['антон петров']}")
    assert {r["kind"] for r in rows} <= {"incident", "address"}
    assert weeks.startswith("week_start,week_end,dimension,code,appeals")
    assert wrong.status_code in (400, 422)
    assert [i["id"] for i in roads["incidents"]] == [problems["малахов"]]


def test_the_page_lists_the_incidents_with_russian_names_and_a_link_to_each(runtime, client, problems):
    add_staff(runtime)
    log_in(client, "centre-manager", PASSWORD)

    page = client.get("/analytics?from=2026-11-30&to=2026-12-13").get_data(as_text=True)

    block = re.search(r'<section class="card" id="repeats">.*?</section>', page, re.S).group(0)
    rows = re.findall(r'<tr data-incident="(\d+)">', block)
    assert rows == [str(problems["антон петров"]), str(problems["малахов"])]
    assert f'href="/incidents/{problems["антон петров"]}"' in block
    assert "ЕДДС города Барнаула" in block and "открыт" in block and "barnaul-emergency-desk" not in block
    assert "Массовые инциденты" in block


def test_with_a_tile_url_the_incident_page_and_analytics_draw_the_base_map_and_allow_its_origin_only(
        runtime, client, problems, monkeypatch):
    add_staff(runtime)
    log_in(client, "centre-manager", PASSWORD)
    plain = client.get(f"/incidents/{problems['малахов']}")
    monkeypatch.setattr(runtime, "settings", dataclasses.replace(
        runtime.settings, map_tile_url="https://tiles.cur.example/{z}/{x}/{y}.png"))

    for answer in (client.get(f"/incidents/{problems['малахов']}"), client.get("/analytics")):
        page = answer.get_data(as_text=True)
        assert page.count('<image class="base-tile" href="https://tiles.cur.example/7/') == 20
        assert "Подложка: https://tiles.cur.example" in page
        assert "img-src 'self' data: https://tiles.cur.example;" in answer.headers["Content-Security-Policy"]
    assert "<image" not in plain.get_data(as_text=True)
    assert "img-src 'self' data:;" in plain.headers["Content-Security-Policy"]
