"""The watch job against a local VK API: walls and comments read once each, complaints become
``monitor`` appeals with links, chatter is counted, cursors live in the database, Callback API items
are not received twice, and VK's errors stop only what they concern."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.monitor.vk_reader import VkWallReader
from engine.replies.pacing import Pacer
from engine.services import credentials, watching
from engine.services.watch_poll import Verdict, poll_walls
from engine.store.models import AppealRecord
from engine.store.watch import WatchPostRecord, WatchRecord
from tests.support.vk_callback import GROUP, SECRET, comment, event, post
from tests.support.vk_walls import FakeVkWalls

pytestmark = pytest.mark.both_databases

KEY = "service-key-for-tests"
BARNAUL22, NEWS = 218_000_001, 218_000_002
MARKERS = ("сколько можно", "когда уже", "не работает")


def judge(text: str) -> Verdict:
    words = tuple(m for m in MARKERS if m in text.lower())
    return Verdict(bool(words), float(len(words)), words)


@pytest.fixture
def vk(runtime):
    with FakeVkWalls(KEY) as api:
        api.community(BARNAUL22, "barnaul22", "Барнаул 22")
        api.community(NEWS, "altai_news", "Новости Алтая")
        api.person(5550001, "closed.page", private=True)
        api.now = int((runtime.now() - timedelta(hours=2)).timestamp())
        yield api


def reader(vk, clock) -> VkWallReader:
    return VkWallReader(vk.url, KEY, Pacer(clock=lambda: clock().timestamp(), sleep=lambda s: None),
                        calls_per_second=3)


def poll(runtime, vk, clock):
    return poll_walls(runtime, reader(vk, clock), judge)


def monitored():
    return list(AppealRecord.select().where(AppealRecord.channel == "monitor").order_by(AppealRecord.id))


@pytest.fixture
def walls(runtime, vk, clock):
    for target in ("vk:barnaul22", "vk:altai_news"):
        watching.add_watch(runtime, target, municipality=None, every="5m", actor="cli", vk=reader(vk, clock))
    return vk


def test_a_watch_resolves_a_screen_name_to_the_community_wall_and_can_be_listed_and_removed(runtime, vk, clock):
    row, created = watching.add_watch(runtime, "vk:barnaul22", municipality="barnaul", every="10m", actor="cli",
                                      vk=reader(vk, clock))

    assert created and row.owner_id == -BARNAUL22 and row.title == "Барнаул 22" and row.every_seconds == 600
    assert [w.target for w in watching.list_watches()] == ["vk:barnaul22"]
    assert watching.remove_watch(runtime, row.id, actor="cli")
    assert watching.list_watches() == []


@pytest.mark.parametrize("target, why", [("vk:nobody_here", "не знает имени"), ("barnaul22", "vk:<короткое"),
                                          ("vk:-5", None)])
def test_a_watch_of_an_unknown_name_or_in_a_bad_form_is_refused(runtime, vk, clock, target, why):
    if why is None:  # a negative id is taken as it is: a community's wall, its name asked from VK
        with pytest.raises(watching.WatchError):
            watching.add_watch(runtime, target, municipality=None, every="5m", actor="cli", vk=reader(vk, clock))
        return
    with pytest.raises(watching.WatchError, match=why):
        watching.add_watch(runtime, target, municipality=None, every="5m", actor="cli", vk=reader(vk, clock))


def test_complaints_become_monitor_appeals_once_each_with_links_and_chatter_is_only_counted(runtime, walls, clock):
    vk = walls
    p1 = vk.post(-BARNAUL22, "Когда уже починят светофор на Ленина? Он не работает третий день", from_id=101)
    news = vk.post(-NEWS, "Новости края: в Бийске открылся новый сквер")  # the community's own post
    c1 = vk.comment(-NEWS, news, "Красиво, молодцы!", from_id=102)
    c2 = vk.comment(-NEWS, news, "Сколько можно ждать сквер у нас в Заринске", from_id=103)
    r1 = vk.reply(-NEWS, news, c1, "А у нас отопление не работает, когда уже включат", from_id=104)

    report = poll(runtime, vk, clock)

    appeals = monitored()
    assert [a.external_id for a in appeals] == [f"wall-{BARNAUL22}_{p1}", f"reply-{NEWS}_{c2}", f"reply-{NEWS}_{r1}"]
    assert [a.link for a in appeals] == [f"https://vk.com/wall-{BARNAUL22}_{p1}",
                                         f"https://vk.com/wall-{NEWS}_{news}?reply={c2}",
                                         f"https://vk.com/wall-{NEWS}_{news}?reply={r1}"]
    assert [a.author_id for a in appeals] == ["vk:101", "vk:103", "vk:104"]
    assert {a.regime for a in appeals} == {"incident"}
    assert (report.read, report.appeals, report.chatter) == (5, 3, 2)
    counts = {w.owner_id: (w.read_count, w.complaint_count, w.chatter_count) for w in WatchRecord.select()}
    assert counts == {-BARNAUL22: (1, 1, 0), -NEWS: (4, 2, 2)}
    # both walls' first pages in one execute, then the comments of the one post VK shows comments under
    assert [r["method"] for r in vk.requests] == ["utils.resolveScreenName", "groups.getById"] * 2 + [
        "execute", "wall.getComments"]

    clock.set(clock() + timedelta(minutes=6))
    again = poll(runtime, vk, clock)

    assert (again.read, again.appeals) == (0, 0)
    assert len(monitored()) == 3


def test_cursors_survive_a_restart_and_what_was_written_meanwhile_is_read_once(runtime, walls, clock):
    vk = walls
    p1 = vk.post(-BARNAUL22, "Сколько можно терпеть яму у остановки", from_id=201)
    poll(runtime, vk, clock)
    cursor = WatchRecord.get(WatchRecord.owner_id == -BARNAUL22)
    assert cursor.last_post_id == p1
    assert WatchPostRecord.get(WatchPostRecord.post_id == p1).last_comment_id == 0

    # the worker is down: new posts and comments arrive; a fresh reader (nothing kept in memory) reads on
    for n in range(3):
        vk.comment(-BARNAUL22, p1, f"Когда уже засыплют яму номер {n}", from_id=300 + n)
    p2 = vk.post(-BARNAUL22, "Не работает освещение во дворе", from_id=210)
    clock.set(clock() + timedelta(hours=5))
    report = poll(runtime, vk, clock)

    assert report.appeals == 4
    assert len(monitored()) == 5
    assert WatchRecord.get(WatchRecord.owner_id == -BARNAUL22).last_post_id == p2
    clock.set(clock() + timedelta(minutes=10))
    assert poll(runtime, vk, clock).read == 0
    assert len({a.external_id for a in monitored()}) == 5


def test_a_wall_not_yet_due_is_not_read(runtime, walls, clock):
    poll(runtime, walls, clock)
    walls.post(-BARNAUL22, "Когда уже уберут снег", from_id=5)
    clock.set(clock() + timedelta(minutes=2))

    assert poll(runtime, walls, clock).walls == 0
    clock.set(clock() + timedelta(minutes=4))
    assert poll(runtime, walls, clock).appeals == 1


def test_an_item_received_through_the_callback_api_is_not_a_second_appeal(runtime, client, walls, clock):
    vk = walls
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4", group_id=GROUP)
    vk.community(GROUP, "gov22", "Правительство Алтайского края")
    watching.add_watch(runtime, "vk:gov22", municipality=None, every="5m", actor="cli", vk=reader(vk, clock))
    gov_post = vk.post(-GROUP, "Губернатор ответит на вопросы жителей")
    ours = vk.comment(-GROUP, gov_post, "Когда уже отремонтируют дорогу на Попова", from_id=52_001_777)
    item = comment("Когда уже отремонтируют дорогу на Попова", id=ours, post_id=gov_post)
    assert post(client, event("wall_reply_new", item)).status_code == 200

    report = poll(runtime, vk, clock)

    assert report.already == 1 and report.appeals == 0
    assert AppealRecord.select().where(AppealRecord.external_id == f"reply-{GROUP}_{ours}").count() == 1


def test_a_private_page_is_marked_unreadable_and_the_other_walls_are_read(runtime, walls, clock):
    vk = walls
    watching.add_watch(runtime, "vk:closed.page", municipality=None, every="5m", actor="cli", vk=reader(vk, clock))
    vk.close_wall(-NEWS)
    vk.post(-BARNAUL22, "Сколько можно ждать автобус 17", from_id=7)

    report = poll(runtime, vk, clock)

    assert report.appeals == 1
    errors = {w.owner_id: w.last_error for w in WatchRecord.select()}
    assert errors[5550001] == "профиль закрыт (код VK 30)"
    assert errors[-NEWS] == "доступ к стене закрыт (код VK 15)"
    assert errors[-BARNAUL22] is None


def test_the_daily_limit_stops_the_run_without_moving_a_cursor_and_a_rate_error_is_waited_out(runtime, walls, clock):
    vk = walls
    vk.post(-BARNAUL22, "Когда уже будет вода в Южном", from_id=8)
    vk.script_error(29, method="execute")

    stopped = poll(runtime, vk, clock)

    assert stopped.appeals == 0 and "reader" in stopped.errors
    assert {w.last_post_id for w in WatchRecord.select()} == {None}
    vk.script_error(6, method="execute")
    assert poll(runtime, vk, clock).appeals == 1


def test_an_item_read_from_a_watched_wall_first_is_not_a_second_appeal_when_the_callback_api_sends_it(
        runtime, client, walls, clock):
    vk = walls
    credentials.add_channel(runtime.now(), "gov-vk", "vk", SECRET, confirmation="a1b2c3d4", group_id=GROUP)
    vk.community(GROUP, "gov22", "Правительство Алтайского края")
    watching.add_watch(runtime, "vk:gov22", municipality=None, every="5m", actor="cli", vk=reader(vk, clock))
    gov_post = vk.post(-GROUP, "Губернатор ответит на вопросы жителей")
    ours = vk.comment(-GROUP, gov_post, "Когда уже отремонтируют дорогу на Попова", from_id=52_001_777)
    assert poll(runtime, vk, clock).appeals == 1

    item = comment("Когда уже отремонтируют дорогу на Попова", id=ours, post_id=gov_post)
    answer = post(client, event("wall_reply_new", item))

    assert answer.status_code == 200 and answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().where(AppealRecord.external_id == f"reply-{GROUP}_{ours}").count() == 1
    assert post(client, event("wall_reply_new", comment("Другая жалоба: сколько можно", id=ours + 1000),
                      event_id="ev-2")
                ).status_code == 200
    assert AppealRecord.select().where(AppealRecord.channel == "gov-vk").count() == 1
