"""Open311 GeoReport v2: service definitions, the list of requests with its filters, XML, and retried POSTs."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from engine.services import credentials
from engine.store.models import AppealRecord
from tests.support.open311 import API_KEY, PIT
from tests.support.staff import routed
from webhooks.channels import open311

LEAK = {**PIT, "service_code": "housing", "description": "Третий день нет горячей воды, течёт труба в подвале",
        "attribute[subtopic]": "water", "attribute[floor]": "3"}
DUMP = {**PIT, "service_code": "waste", "description": "Стихийная свалка у гаражей", "attribute[problem]": "dump"}


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "city-app", "open311", API_KEY)
    return "city-app"


def created_id(answer) -> str:
    assert answer.status_code == 201, answer.get_data(as_text=True)
    [created] = answer.get_json()
    return created["service_request_id"]


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [r["service_request_id"] for r in answer.get_json()]


# --- service definitions ------------------------------------------------------------------------------------

def test_the_metadata_flag_of_every_service_agrees_with_its_definition(client):
    for service in client.get("/open311/v2/services.json").get_json():
        definition = client.get(f"/open311/v2/services/{service['service_code']}.json")

        assert definition.status_code == 200
        assert definition.get_json()["service_code"] == service["service_code"]
        assert service["metadata"] is bool(definition.get_json()["attributes"]), service["service_code"]


def test_a_service_definition_lists_its_attributes_in_order_with_their_values(client):
    definition = client.get("/open311/v2/services/housing.json").get_json()

    subtopic, flat, floor = definition["attributes"]
    assert subtopic == {
        "variable": True, "code": "subtopic", "datatype": "singlevaluelist", "required": False,
        "datatype_description": None, "order": 1, "description": "Что случилось",
        "values": [{"key": "heating", "name": "Отопление"}, {"key": "water", "name": "Водоснабжение и канализация"},
                   {"key": "resettlement", "name": "Аварийное жильё и расселение"}],
    }
    assert (flat["code"], flat["datatype"], flat["order"], "values" in flat) == ("flat", "string", 2, False)
    assert (floor["code"], floor["datatype"], floor["order"]) == ("floor", "number", 3)
    waste = client.get("/open311/v2/services/waste.json").get_json()
    assert waste["attributes"][0]["required"] is True


def test_an_unknown_service_code_or_jurisdiction_is_404_in_open311_form(client):
    answer = client.get("/open311/v2/services/ufo.json")

    assert answer.status_code == 404
    assert answer.get_json() == [{"code": 404, "description": "service_code 'ufo' is not a service; see services.json"}]
    assert client.get("/open311/v2/services.json?jurisdiction_id=mars").status_code == 404


def test_attribute_values_are_checked_against_the_definition_and_the_subtopic_becomes_the_subcategory(
        client, channel):
    request_id = created_id(client.post("/open311/v2/requests.json", data=LEAK))

    appeal = AppealRecord.get_by_id(int(request_id))
    assert (appeal.category, appeal.subcategory) == ("housing", "water")
    assert '"floor": 3.0' in appeal.raw_payload


@pytest.mark.parametrize("changes, named", [
    ({"attribute[subtopic]": "roof"}, "attribute[subtopic]: 'roof' is not one of heating, water, resettlement"),
    ({"attribute[floor]": "третий"}, "attribute[floor]"),
    ({"attribute[subtopic][]": ["water", "heating"]}, "attribute[subtopic]: expected one value"),
])
def test_a_wrong_attribute_value_is_400_naming_the_attribute(client, channel, changes, named):
    data = {k: v for k, v in LEAK.items() if k != "attribute[subtopic]"} | changes

    answer = client.post("/open311/v2/requests.json", data=data)

    assert answer.status_code == 400
    assert named in answer.get_json()[0]["description"]
    assert AppealRecord.select().count() == 0


def test_a_required_attribute_is_required_and_json_may_nest_the_attributes(client, channel):
    without = {k: v for k, v in DUMP.items() if k != "attribute[problem]"}
    missing = client.post("/open311/v2/requests.json", data=without)
    nested = client.post("/open311/v2/requests.json", json={
        **without, "attribute": {"problem": "dump"}})

    assert missing.status_code == 400
    assert missing.get_json() == [{"code": 400, "description": "attribute[problem]: required"}]
    created_id(nested)
    assert AppealRecord.select().count() == 1


def test_attributes_a_service_does_not_define_are_refused_naming_them(client, channel):
    answer = client.post("/open311/v2/requests.json", data={**PIT, "attribute[depth]": "30"})

    assert answer.status_code == 400
    assert answer.get_json() == [
        {"code": 400, "description": "attribute[depth]: the service defines no such attribute"}]
    assert AppealRecord.select().count() == 0


# --- the list of requests -----------------------------------------------------------------------------------

@pytest.fixture
def history(client, channel, clock, runtime):
    """Four Open311 requests (100, 10 and 1 day old, and now) and an appeal from another channel."""
    now = clock()
    made = {}
    for name, days, data in (("old", 100, PIT), ("pit", 10, PIT), ("leak", 1, LEAK), ("dump", 0, DUMP)):
        clock.set(now - timedelta(days=days))
        made[name] = created_id(client.post("/open311/v2/requests.json", data=data))
    clock.set(now)
    made["portal"] = str(routed(runtime))
    AppealRecord.update(status="closed").where(AppealRecord.id == int(made["pit"])).execute()
    return made


@pytest.mark.both_databases
def test_the_list_shows_the_last_90_days_of_open311_requests_newest_first(client, history):
    answer = client.get("/open311/v2/requests.json")

    assert ids(answer) == [history["dump"], history["leak"], history["pit"]]
    leak = answer.get_json()[1]
    single = client.get(f"/open311/v2/requests/{history['leak']}.json").get_json()[0]
    assert leak == single
    assert leak["status"] == "open" and leak["service_code"] == "housing"
    assert leak["requested_datetime"] == "2026-11-29T10:00:00+07:00"
    assert leak["expected_datetime"].endswith("+07:00") and leak["agency_responsible"]


def test_requests_can_be_asked_for_by_ids_which_overrides_the_other_filters(client, history):
    answer = client.get("/open311/v2/requests.json", query_string={
        "service_request_id": f"{history['old']},{history['leak']}, 999999,abc,{history['portal']}",
        "service_code": "waste", "status": "closed"})

    assert ids(answer) == [history["leak"], history["old"]]  # the portal appeal is not an Open311 request


@pytest.mark.both_databases
@pytest.mark.parametrize("query, expected", [
    ({"service_code": "housing,waste"}, ["dump", "leak"]),
    ({"service_code": "roads"}, ["pit"]),
    ({"status": "open"}, ["dump", "leak"]),
    ({"status": "closed"}, ["pit"]),
    ({"status": "open,closed"}, ["dump", "leak", "pit"]),
    ({"start_date": "2026-11-29T00:00:00+07:00"}, ["dump", "leak"]),
    ({"end_date": "2026-11-29T12:00:00+07:00"}, ["leak", "pit"]),
    ({"start_date": "2026-08-01", "end_date": "2026-10-01T00:00:00Z"}, ["old"]),
    ({"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-30T03:00:00Z", "service_code": "roads",
      "status": "closed"}, ["pit"]),
])
def test_the_list_filters_by_service_code_status_and_dates(client, history, query, expected):
    assert ids(client.get("/open311/v2/requests.json", query_string=query)) == [history[n] for n in expected]


@pytest.mark.parametrize("query, described", [
    ({"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-11-30T00:00:00+07:00"}, "90 days"),
    ({"start_date": "2026-11-30T00:00:00+07:00", "end_date": "2026-11-01T00:00:00+07:00"}, "after end_date"),
    ({"start_date": "2026-11-30T10:00:00"}, "time zone"),
    ({"end_date": "yesterday"}, "end_date"),
    ({"status": "pending"}, "status"),
    ({"jurisdiction_id": "mars"}, "jurisdiction_id"),
])
def test_a_bad_filter_is_an_open311_error_naming_it(client, history, query, described):
    answer = client.get("/open311/v2/requests.json", query_string=query)

    assert 400 <= answer.status_code < 500
    [error] = answer.get_json()
    assert error["code"] == answer.status_code and described in error["description"]


def test_the_list_stops_at_its_cap_keeping_the_newest(client, history, monkeypatch):
    assert open311.MAX_RESULTS == 1000  # the specification's suggestion
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)

    assert ids(client.get("/open311/v2/requests.json")) == [history["dump"], history["leak"]]


# --- XML ----------------------------------------------------------------------------------------------------

def xml(answer) -> ElementTree.Element:
    assert answer.mimetype == "text/xml"
    assert answer.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(answer.get_data())


def test_every_resource_answers_in_xml_too(client, history):
    services = xml(client.get("/open311/v2/services.xml"))
    definition = xml(client.get("/open311/v2/services/housing.xml"))
    listing = xml(client.get("/open311/v2/requests.xml", query_string={"service_code": "housing"}))
    single = xml(client.get(f"/open311/v2/requests/{history['leak']}.xml"))

    assert services.tag == "services" and services.find("service/service_code").text == "roads"
    assert services.find("service/metadata").text == "false"
    assert definition.tag == "service_definition"
    assert [v.findtext("key") for v in definition.findall("attributes/attribute/values/value")] == [
        "heating", "water", "resettlement"]
    assert listing.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in listing.findall("request")] == [history["leak"]]
    assert single.find("request/status").text == "open"
    assert single.find("request/description").text.startswith("Третий день нет горячей воды")


def test_a_request_posted_as_xml_is_answered_in_xml_and_errors_too(client, channel):
    created = xml(client.post("/open311/v2/requests.xml", data=PIT))
    error = client.get("/open311/v2/requests/424242.xml")

    assert created.find("request/service_request_id").text == str(AppealRecord.get().id)
    assert error.status_code == 404
    assert xml(error).find("error/code").text == "404"


# --- retries ------------------------------------------------------------------------------------------------

@pytest.mark.both_databases
def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_request_and_stores_one_appeal(
        client, channel):
    headers = {"Idempotency-Key": "7f3c1a2e-client-42"}

    first = client.post("/open311/v2/requests.json", data=PIT, headers=headers)
    again = client.post("/open311/v2/requests.json", data=PIT, headers=headers)

    assert created_id(first) == created_id(again)
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    appeal = AppealRecord.get()
    assert AppealRecord.select().count() == 1
    assert appeal.external_id == "o311-key-7f3c1a2e-client-42" and appeal.status == "routed"


@pytest.mark.both_databases
def test_the_same_key_with_a_different_request_is_refused(client, channel):
    headers = {"Idempotency-Key": "k-1"}
    created_id(client.post("/open311/v2/requests.json", data=PIT, headers=headers))

    answer = client.post("/open311/v2/requests.json", data={**PIT, "description": "Другая яма"}, headers=headers)

    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.get_json()[0]["description"]
    assert AppealRecord.select().count() == 1


@pytest.mark.both_databases
def test_keys_are_per_channel_and_posts_without_a_key_are_each_new(client, channel, runtime):
    credentials.add_channel(runtime.now(), "other-app", "open311", "other-key")
    headers = {"Idempotency-Key": "k-1"}

    ours = created_id(client.post("/open311/v2/requests.json", data=PIT, headers=headers))
    theirs = created_id(client.post("/open311/v2/requests.json", data={**PIT, "api_key": "other-key"},
                                    headers=headers))
    created_id(client.post("/open311/v2/requests.json", data=PIT))
    created_id(client.post("/open311/v2/requests.json", data=PIT))

    assert ours != theirs
    assert AppealRecord.select().count() == 4


@pytest.mark.parametrize("key", ["", "x" * 129, "ключ", "with space"])
def test_a_malformed_idempotency_key_is_400_and_nothing_is_stored(client, channel, key):
    answer = client.post("/open311/v2/requests.json", data=PIT, headers={"Idempotency-Key": key})

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.get_json()[0]["description"]
    assert AppealRecord.select().count() == 0
