"""The queue page searches like the API, keeps saved filters per staff member and links the export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.staff import add_staff, bearer, log_in, routed


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-appeal="(\d+)"', html)]


def csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/queue").get_data(as_text=True)).group(1)


def test_the_queue_finds_a_pit_by_another_form_of_the_word(client, runtime, tokens):
    pit = routed(runtime, text="Во дворе яма", external_id="pit")
    waste = routed(runtime, text="Не вывозят мусор", external_id="waste")
    log_in(client, "centre-manager")

    opened = client.get("/queue").get_data(as_text=True)
    searched = client.get("/queue?q=ямы").get_data(as_text=True)

    assert sorted(rows(opened)) == sorted([pit, waste])
    assert rows(searched) == [pit]
    assert "Найдено: 1" in searched
    assert 'value="ямы"' in searched
    assert "/api/v1/appeals/export?q=%D1%8F%D0%BC%D1%8B&amp;format=xlsx" in searched


def test_filters_and_pages_on_the_page(client, runtime, tokens, clock):
    ids = []
    for n in range(3):
        ids.append(routed(runtime, text=f"Яма {n}", external_id=f"pit-{n}"))
        clock.set(clock() + timedelta(minutes=1))
    log_in(client, "centre-manager")

    first = client.get("/queue?q=яма&sort=newest&limit=2").get_data(as_text=True)
    second = client.get("/queue?q=яма&sort=newest&limit=2&page=2").get_data(as_text=True)

    assert rows(first) == [ids[2], ids[1]] and rows(second) == [ids[0]]
    assert "страница 1 из 2" in first and 'rel="next"' in first
    assert rows(client.get("/queue?status=closed").get_data(as_text=True)) == []
    assert rows(client.get("/queue?overdue=true").get_data(as_text=True)) == []
    clock.set(clock() + timedelta(days=45))
    log_in(client, "centre-manager")  # the session of 45 days ago has lapsed
    assert sorted(rows(client.get("/queue?overdue=true").get_data(as_text=True))) == sorted(ids)


def test_a_bad_condition_is_explained_in_russian_and_the_queue_still_shows(client, runtime, tokens):
    pit = routed(runtime, text="Яма", external_id="pit")
    log_in(client, "centre-manager")

    page = client.get("/queue?sort=sideways&received_from=вчера", follow_redirects=True).get_data(as_text=True)

    assert "Условия поиска не поняты (поступило с, порядок)" in page
    assert rows(page) == [pit]


def test_my_overdue_filter_is_kept_for_me_alone(client, runtime, tokens, clock):
    pit = routed(runtime, text="Яма", external_id="pit")
    clock.set(clock() + timedelta(days=45))
    log_in(client, "roads-official")

    saved = client.post("/queue/filters", data={"csrf_token": csrf(client), "name": "мои просроченные",
                                                "overdue": "true", "sort": "due"}, follow_redirects=True)
    page = saved.get_data(as_text=True)

    assert "Фильтр «мои просроченные» сохранён." in page
    assert rows(page) == [pit]
    link = re.search(r'data-filter="(\d+)"><a href="([^"]+)">мои просроченные</a>', page)
    assert link and rows(client.get(link.group(2).replace("&amp;", "&")).get_data(as_text=True)) == [pit]
    mine = client.get("/api/v1/saved-filters", headers=bearer(tokens["roads-official"])).get_json()
    assert [f["name"] for f in mine["items"]] == ["мои просроченные"]  # the same person through a token

    other = client.application.test_client()
    log_in(other, "centre-manager")
    assert "мои просроченные" not in other.get("/queue").get_data(as_text=True)
    assert other.post(f"/queue/filters/{link.group(1)}/delete", data={"csrf_token": csrf(other)}).status_code == 404

    client.post(f"/queue/filters/{link.group(1)}/delete", data={"csrf_token": csrf(client)})
    assert "мои просроченные" not in client.get("/queue").get_data(as_text=True)


def test_saved_filters_over_the_api(client, runtime, tokens):
    token = tokens["centre-manager"]

    made = client.post("/api/v1/saved-filters", headers=bearer(token),
                       json={"name": "просроченные дороги", "query": {"overdue": "true", "topic": "roads"}})
    again = client.post("/api/v1/saved-filters", headers=bearer(token),
                        json={"name": "просроченные дороги", "query": {"overdue": "true"}})
    bad = client.post("/api/v1/saved-filters", headers=bearer(token), json={"name": "x", "query": {"colour": "red"}})
    listed = client.get("/api/v1/saved-filters", headers=bearer(token)).get_json()["items"]

    assert made.status_code == 201 and again.status_code == 201
    assert listed == [{"id": made.get_json()["id"], "name": "просроченные дороги", "query": {"overdue": "true"},
                       "saved_at": again.get_json()["saved_at"]}]
    assert bad.status_code == 400 and "colour" in bad.get_json()["error"]["fields"]
    assert client.post("/api/v1/saved-filters", headers=bearer(token), json={}).status_code == 422
    assert client.delete(f"/api/v1/saved-filters/{made.get_json()['id']}",
                         headers=bearer(tokens["roads-manager"])).status_code == 404
    assert client.delete(f"/api/v1/saved-filters/{made.get_json()['id']}", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/saved-filters", headers=bearer(token)).get_json()["items"] == []
