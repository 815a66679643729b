"""Mass incidents: twelve residents on VK and Telegram writing about one power cut on one street become
one incident, routed once to the emergency desk with a priority raised by the number of authors; potholes
on two streets stay two incidents; the API lists incidents and each appeal names its incident."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from engine.services import routing
from engine.services.intake import receive_appeal, route_on_receipt
from engine.store.models import AppealRecord, AuditRecord, IncidentRecord
from tests.support.reply_platforms import deliver, outgoing
from tests.support.staff import add_staff, bearer
from tests.support.telegram_updates import message
from tests.support.telegram_updates import post as post_telegram
from tests.support.vk_callback import comment, event
from tests.support.vk_callback import post as post_vk

pytestmark = pytest.mark.both_databases

OUTAGE_VK = [
    "В Барнауле на ул. Антона Петрова нет света с утра",
    "Отключили электричество на улице Антона Петрова, Барнаул, сидим без света",
    "Барнаул, ул. Антона Петрова 220 — опять нет света, холодильник потёк",
    "Нет света на Антона Петрова улице в Барнауле уже пять часов",
    "На ул. Антона Петрова (Барнаул) пропал свет во всех домах",
    "Когда дадут свет? Барнаул, улица Антона Петрова, дом 234",
    "Без света вторые сутки, Барнаул, ул. Антона Петрова",
    "Барнаул ул Антона Петрова нет электричества, дети дома",
    "Свет отключили на ул. Антона Петрова в Барнауле, никто ничего не объясняет",
]
OUTAGE_TELEGRAM = [
    "Здравствуйте! В Барнауле на улице Антона Петрова нет света",
    "Барнаул, ул. Антона Петрова, 246: пропал свет, нет электричества с 8 утра",
    "Нет света на ул. Антона Петрова, Барнаул. Сколько ещё ждать?",
]


def post_outage(client, clock) -> list[int]:
    """Nine VK comments and three Telegram messages from twelve people, a few minutes apart."""
    for i, text in enumerate(OUTAGE_VK):
        clock.set(clock() + timedelta(minutes=3))
        note = comment(text, id=5000 + i, from_id=61_000_000 + i, date=int(clock().timestamp()))
        assert post_vk(client, event("wall_reply_new", note, event_id=f"out-{i}")).status_code == 200
    for i, text in enumerate(OUTAGE_TELEGRAM):
        clock.set(clock() + timedelta(minutes=3))
        chat = 880_000 + i
        update = {"update_id": 700 + i, "message": message(text, message_id=900 + i, date=int(clock().timestamp()),
                                                           chat={"id": chat, "type": "private"},
                                                           **{"from": {"id": chat, "is_bot": False,
                                                                       "first_name": f"Житель {i}"}})}
        assert post_telegram(client, update).status_code == 200
    return [a.id for a in AppealRecord.select().order_by(AppealRecord.id)]


def test_twelve_posts_about_one_outage_become_one_incident_with_a_raised_priority(runtime, clock, client, platforms):
    ids = post_outage(client, clock)
    assert len(ids) == 12
    [incident] = IncidentRecord.select()
    members = list(AppealRecord.select().where(AppealRecord.incident_id == incident.id))
    assert sorted(m.id for m in members) == ids
    assert (incident.members, incident.authors) == (12, 12)
    assert {m.channel for m in members} == {"gov-vk", "cur-bot"}
    # routed once, to the city's emergency desk (never the tariff regulator), every member with it
    assert incident.body == "barnaul-emergency-desk"
    assert {(m.body, m.priority) for m in members} == {("barnaul-emergency-desk", "critical")}
    assert incident.priority == "critical" and incident.street == "антон петров"
    raised = AuditRecord.select().where(AuditRecord.action == "incident.priority_raised")
    assert {r.details["rule"] for r in raised} == {"incident.ten-authors"}

    tokens = add_staff(runtime)
    staff = bearer(tokens["centre-manager"])
    listed = client.get("/api/v1/incidents?status=open&municipality=barnaul", headers=staff).get_json()
    assert [i["id"] for i in listed["items"]] == [incident.id] and listed["total"] == 1
    detail = client.get(f"/api/v1/incidents/{incident.id}", headers=staff).get_json()
    assert detail["authors"] == 12 and detail["assignment"]["body"] == "barnaul-emergency-desk"
    assert {(m["channel"], m["channel_kind"]) for m in detail["member_appeals"]} == {("gov-vk", "vk"),
                                                                                     ("cur-bot", "telegram")}
    assert detail["member_appeals"][0]["why_joined"] == ["первое обращение инцидента"]
    assert any("та же улица: антон петров" in r for r in detail["member_appeals"][5]["why_joined"])
    assert detail["clocks"], detail
    assert detail["map_point"]["approximate"] is True and 52 < detail["map_point"]["lat"] < 54
    appeal = client.get(f"/api/v1/appeals/{ids[3]}", headers=staff).get_json()
    assert appeal["incident_id"] == incident.id
    # an official of another body does not see it
    other = bearer(tokens["roads-official"])
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=other).status_code == 404
    assert client.get("/api/v1/incidents", headers=other).get_json()["total"] == 0
    assert client.get("/api/v1/incidents?status=nonsense", headers=staff).status_code in (400, 422)


def pothole(runtime, clock, n: int, text: str) -> int:
    from engine.domain.appeal import Author, IncomingAppeal

    clock.set(clock() + timedelta(minutes=10))
    incoming = IncomingAppeal(channel="portal", external_id=f"pit-{n}", text=text, received_at=clock(),
                              author=Author(name=f"Автор {n}"), author_id=f"portal:{n}", municipality="barnaul",
                              category="roads", regime="fz59", fz59=True)
    received = receive_appeal(runtime, incoming, "{}", actor="test")
    route_on_receipt(runtime, received)  # routed now when inline, left to the worker when queued
    return received.appeal_id


@pytest.mark.parametrize("path", ["one by one", "batches"])
def test_potholes_on_two_streets_stay_two_incidents(runtime, clock, path, monkeypatch):
    if path == "batches":  # stored now, routed by the worker's batches
        monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, routing="queued"))
    texts = ["Огромная яма на дороге, ул. Попова, 105", "Яма на проезжей части на ул. Малахова, 50",
             "На ул. Попова яма на дороге, колёса пробиваем", "Глубокая яма на дороге ул. Малахова у дома 52",
             "Яма на ул. Попова напротив школы, дорога разбита"]
    ids = [pothole(runtime, clock, n, text) for n, text in enumerate(texts)]
    if path == "batches":
        assert routing.route_pending(runtime) == len(ids)
    incidents = {i.street: i for i in IncidentRecord.select()}
    assert set(incidents) == {"попов", "малахов"}
    by_street = {street: sorted(a.id for a in AppealRecord.select().where(AppealRecord.incident_id == i.id))
                 for street, i in incidents.items()}
    assert by_street == {"попов": [ids[0], ids[2], ids[4]], "малахов": [ids[1], ids[3]]}
    assert incidents["попов"].authors == 3 and incidents["попов"].priority == "high"
    assert incidents["малахов"].priority != "critical"


ANSWER = "Авария на подстанции устранена, электроснабжение ул. Антона Петрова восстановлено."


def test_one_answer_to_the_incident_reaches_all_twelve_authors_once_on_their_own_channels(runtime, clock, client,
                                                                                           platforms):
    ids = post_outage(client, clock)
    [incident] = IncidentRecord.select()
    tokens = add_staff(runtime)
    manager, curator = bearer(tokens["centre-manager"]), bearer(tokens["centre-curator"])
    assert deliver(runtime).sent == 12  # the acknowledgements
    clock.set(clock() + timedelta(hours=2))

    answered = client.post(f"/api/v1/incidents/{incident.id}/actions/answer", json={"kind": "final", "text": ANSWER},
                           headers=manager)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert sorted(m["appeal_id"] for m in body["members"]) == ids and body["skipped"] == []
    # social-network incidents are on the centre's control: nothing reaches the residents before approval
    on_control = {m["appeal_id"] for m in body["members"] if m.get("review")}
    assert on_control, body
    deliver(runtime)
    assert not [c for c in platforms.vk.comments if ANSWER in c["params"]["message"]]
    # the centre returns it once with remarks: every draft goes back, nothing is published
    returned = client.post(f"/api/v1/incidents/{incident.id}/actions/return_answer",
                           json={"remarks": "Укажите время восстановления."}, headers=curator)
    assert returned.status_code == 200, returned.get_json()
    assert {m["status"] for m in returned.get_json()["members"]} == {"in_progress"}
    assert deliver(runtime).sent == 0
    again = client.post(f"/api/v1/incidents/{incident.id}/actions/answer", json={"kind": "final", "text": ANSWER},
                        headers=manager)
    assert {m["appeal_id"] for m in again.get_json()["members"] if m.get("review")} == on_control

    approved = client.post(f"/api/v1/incidents/{incident.id}/actions/approve_answer", json={}, headers=curator)
    assert approved.status_code == 200, approved.get_json()
    assert {m["appeal_id"] for m in approved.get_json()["members"]} == on_control
    assert approved.get_json()["status"] == "closed"
    assert deliver(runtime).sent == 12
    assert deliver(runtime).sent == 0  # once each

    vk_answers = [c["params"] for c in platforms.vk.comments if ANSWER in c["params"]["message"]]
    assert sorted(int(c["reply_to_comment"]) for c in vk_answers) == [5000 + i for i in range(9)]
    tg_answers = [m for m in platforms.telegram.received if ANSWER in m["text"]]
    assert sorted(m["chat"]["id"] for m in tg_answers) == [880_000, 880_001, 880_002]
    for appeal_id in ids:
        [final] = outgoing(appeal_id, "final_answer")
        assert final.status == "sent" and ANSWER in final.text
        assert AppealRecord.get_by_id(appeal_id).status == "answered"
    once_more = client.post(f"/api/v1/incidents/{incident.id}/actions/answer",
                            json={"kind": "final", "text": ANSWER}, headers=manager)
    assert once_more.status_code == 409


def test_an_official_detaches_a_member_that_does_not_belong(runtime, clock, client, platforms):
    ids = post_outage(client, clock)
    [incident] = IncidentRecord.select()
    tokens = add_staff(runtime)
    manager = bearer(tokens["centre-manager"])
    url = f"/api/v1/incidents/{incident.id}/actions/detach"
    assert client.post(url, json={"appeal_id": ids[4]}, headers=manager).status_code in (400, 422)  # no reason
    assert client.post(url, json={"appeal_id": ids[0], "reason": "другое"}, headers=manager).status_code == 409
    assert client.post(url, json={"appeal_id": ids[4], "reason": "Это другой дом"},
                       headers=bearer(tokens["centre-curator"])).status_code == 403
    done = client.post(url, json={"appeal_id": ids[4], "reason": "Это другой дом"}, headers=manager)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["members"] == 11
    assert AppealRecord.get_by_id(ids[4]).incident_id is None
    [audit] = AuditRecord.select().where(AuditRecord.action == "appeal.detached_from_incident")
    assert (audit.appeal_id, audit.actor, audit.details["reason"]) == (ids[4], "user:centre-manager", "Это другой дом")
    assert client.get(f"/api/v1/appeals/{ids[4]}", headers=manager).get_json()["incident_id"] is None


def test_staff_pages_show_the_incident_on_the_queue_and_dashboard_and_detach_a_member(runtime, clock, client,
                                                                                      platforms):
    from tests.support.staff import log_in

    ids = post_outage(client, clock)
    [incident] = IncidentRecord.select()
    add_staff(runtime)
    log_in(client, "centre-manager")
    for url in ("/queue", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        block = re.search(r'<section class="card" id="incidents">.*?</section>', page, re.S).group(0)
        assert f'data-incident="{incident.id}"' in block and "Массовые инциденты (1)" in block, url
        assert "Электроснабжение" in block and "barnaul-emergency-desk" not in block  # names, not codes
        assert "<td>12</td>" in block
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert page.count('<tr data-appeal=') == 12 and "та же улица: антон петров" in page
    # its map point: no coordinates were given, so the centre of Barnaul on the region's map
    assert '<svg' in page and 'class="appeal-point"' in page and "центр муниципального образования" in page
    assert page.count("ВКонтакте") == 9 and page.count("Telegram") >= 3
    appeal_page = client.get(f"/appeals/{ids[2]}").get_data(as_text=True)
    assert f'href="/incidents/{incident.id}"' in appeal_page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(f"/incidents/{incident.id}/detach",
                       data={"csrf_token": token, "appeal_id": str(ids[6]), "reason": "Другая улица"})
    assert done.status_code == 302
    assert AppealRecord.get_by_id(ids[6]).incident_id is None
    assert IncidentRecord.get_by_id(incident.id).members == 11
    timeline = client.get(f"/appeals/{ids[6]}").get_data(as_text=True)
    assert "Откреплено от массового инцидента" in timeline


@pytest.mark.parametrize("path", ["one by one", "batches"])
def test_the_counts_kept_as_appeals_join_equal_a_recount_of_the_members(runtime, clock, path, monkeypatch):
    """Joining moves an incident's counts on without recounting its members (engine.store.incidents.count_joined);
    the result is what a recount over the members gives: repeated authors counted once, an appeal without an
    author id as its own author, the first report taken from an appeal received before the others."""
    from engine.domain.appeal import Author, IncomingAppeal
    from engine.store import incidents as incident_store

    if path == "batches":
        monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, routing="queued"))
    start = clock()
    authors = ["portal:a", "portal:b", "portal:a", None, "portal:b", "portal:c", None, "portal:a"]
    for n, author in enumerate(authors):
        clock.set(start + timedelta(minutes=5 * n))
        received_at = start - timedelta(minutes=30) if n == 5 else clock()  # one sent earlier, routed later
        incoming = IncomingAppeal(channel="portal", external_id=f"count-{n}", received_at=received_at,
                                  text=f"Огромная яма на дороге, ул. Попова, {100 + n}", author=Author(name="Автор"),
                                  author_id=author, municipality="barnaul", category="roads", regime="fz59",
                                  fz59=True)
        route_on_receipt(runtime, receive_appeal(runtime, incoming, "{}", actor="test"))
    if path == "batches":
        assert routing.route_pending(runtime) == len(authors)
    [kept] = IncidentRecord.select()
    assert AppealRecord.select().where(AppealRecord.incident_id == kept.id).count() == len(authors)
    recounted = incident_store.refresh_counts(IncidentRecord.get_by_id(kept.id), clock())
    assert (kept.members, kept.authors, kept.first_report_at, kept.last_report_at) == (
        recounted.members, recounted.authors, recounted.first_report_at, recounted.last_report_at) == (
        8, 5, start - timedelta(minutes=30), start + timedelta(minutes=35))
