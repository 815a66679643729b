"""Open311 GeoReport v2: services from the topic lexicon, posting requests, reading their status."""

from __future__ import annotations

import pytest

from engine.services import credentials
from engine.store.models import AppealRecord
from tests.support.open311 import API_KEY
from tests.support.open311 import PIT as REQUEST

PIT = {**REQUEST, "media_url": "https://example.ru/pit.jpg"}


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "city-app", "open311", API_KEY)
    return "city-app"


def test_services_are_the_topics_of_the_lexicon(client):
    services = client.get("/open311/v2/services.json").get_json()

    codes = {s["service_code"] for s in services}
    assert {"roads", "housing", "waste", "energy"} <= codes
    roads = next(s for s in services if s["service_code"] == "roads")
    assert roads["service_name"] == "Дороги" and roads["metadata"] is False and roads["type"] == "realtime"


def test_a_form_encoded_request_is_accepted_and_readable_with_agency_and_deadline(client, channel):
    answer = client.post("/open311/v2/requests.json", data=PIT)

    assert answer.status_code == 201
    [created] = answer.get_json()
    request_id = created["service_request_id"]
    [view] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert view["status"] == "open"
    assert view["service_code"] == "roads"
    assert view["agency_responsible"] == "Министерство транспорта Алтайского края (дорожное хозяйство)"
    # a 59-ФЗ-strength answer clock: 30 days from Mon 2026-11-30, end of day in Barnaul (+07:00)
    assert view["expected_datetime"] == "2026-12-30T23:59:59+07:00"
    assert view["requested_datetime"].endswith("+07:00")
    appeal = AppealRecord.get()
    assert appeal.author_id == "email:anna@example.ru" and appeal.attachments == ["https://example.ru/pit.jpg"]
    assert "api_key" not in appeal.raw_payload


def test_a_json_request_is_accepted_too(client, channel):
    answer = client.post("/open311/v2/requests.json", json={**PIT, "lat": 53.35, "long": 83.78})

    assert answer.status_code == 201


def test_a_wrong_api_key_is_403_in_open311_form(client, channel):
    answer = client.post("/open311/v2/requests.json", data={**PIT, "api_key": "guess"})

    assert answer.status_code == 403
    assert answer.get_json() == [{"code": 403, "description": "api_key is not valid"}]
    assert AppealRecord.select().count() == 0


def test_missing_fields_and_unknown_codes_are_errors_naming_them(client, channel):
    no_location = {k: v for k, v in PIT.items() if k not in ("lat", "long", "address_string")}
    answer = client.post("/open311/v2/requests.json", data={**no_location, "description": ""})

    assert answer.status_code == 400
    described = " ".join(e["description"] for e in answer.get_json())
    assert "description" in described and "location" in described
    assert client.post("/open311/v2/requests.json", data={**PIT, "service_code": "ufo"}).status_code == 404
    assert client.post("/open311/v2/requests.json", data={**PIT, "jurisdiction_id": "mars"}).status_code == 404
    assert client.post("/open311/v2/requests.json", data=b"{x", content_type="application/json").status_code == 400
    assert AppealRecord.select().count() == 0


def test_an_unknown_request_id_is_404_in_open311_form(client, channel):
    answer = client.get("/open311/v2/requests/424242.json")

    assert answer.status_code == 404
    assert answer.get_json()[0]["code"] == 404
    assert client.get("/open311/v2/requests/abc.json").status_code == 404
