"""The demo data watch two public Altai walls by name (`appeals watch demo`, run by `make run`). Nothing asks
VK anything while no service key is configured: the watch job stays quiet and says so once, in Russian; with
a key it resolves the names and reads the walls — here from a local VK API, never the internet."""

from __future__ import annotations

import dataclasses
import io
import logging
from datetime import timedelta

from engine.jobs import run_job
from engine.services import service_key, watch_poll, watching
from engine.store.models import AppealRecord
from tests.support.command_line import run
from tests.support.vk_walls import FakeVkWalls
from webhooks.demo import DEMO_WATCHES, add_demo_watches

KEY = "demo-service-key-0a1b2c3d"
CITY, GOVERNOR = 218_000_001, 218_000_002


def test_after_the_demo_setup_two_altai_walls_are_listed_by_name_and_nothing_reached_vk(cli_env, monkeypatch,
                                                                                        capsys):
    with FakeVkWalls(KEY) as vk:  # where VK would be: it must hear nothing
        monkeypatch.setenv("APPEALS_VK_API_URL", vk.url)
        code, added, _ = run(capsys, "watch", "demo")
        again = run(capsys, "watch", "demo")[0]
        code_list, listed, _ = run(capsys, "watch", "list")
        assert vk.requests == []

    assert (code, again, code_list) == (0, 0, 0)
    assert "наблюдение 1 vk:barnaul22" in added and "наблюдение 2 vk:tomenko_vp" in added
    rows = [line.split("\t") for line in listed.splitlines()[2:]]  # after the zone and the header
    assert [(r[1], r[2], r[4]) for r in rows] == [("vk:barnaul22", "—", "Барнаул"), ("vk:tomenko_vp", "—", "—")]
    assert all("нужен сервисный ключ VK" in r[-1] for r in rows)
    assert [w["target"] for w in DEMO_WATCHES] == ["vk:barnaul22", "vk:tomenko_vp"]


def test_without_a_key_the_watch_job_says_once_in_russian_that_it_is_off(runtime, caplog, monkeypatch):
    monkeypatch.setattr(watch_poll, "_said", set())  # once per process: this test's process starts afresh
    add_demo_watches(runtime)
    with FakeVkWalls(KEY) as vk:
        runtime.settings = dataclasses.replace(runtime.settings, vk_api_url=vk.url)
        with caplog.at_level(logging.WARNING, logger="engine.services.watch_poll"):
            assert run_job(runtime, "watch") is None
            assert run_job(runtime, "watch") is None
        assert vk.requests == []

    said = [r.getMessage() for r in caplog.records if r.name == "engine.services.watch_poll"]
    assert said == ["наблюдение за стенами VK выключено: не задан сервисный ключ VK (appeals watch key set или "
                    "APPEALS_VK_SERVICE_TOKEN); стены из списка не читаются"]


def test_once_a_key_is_stored_the_demo_names_are_resolved_and_their_walls_read(runtime, clock):
    add_demo_watches(runtime)
    with FakeVkWalls(KEY) as vk:
        vk.community(CITY, "barnaul22", "Барнаул 22")
        vk.community(GOVERNOR, "tomenko_vp", "Виктор Томенко")
        vk.now = int((runtime.now() - timedelta(hours=1)).timestamp())
        runtime.settings = dataclasses.replace(runtime.settings, vk_api_url=vk.url)
        service_key.set_key(runtime, KEY, actor="cli")
        vk.post(-CITY, "Сколько можно терпеть ямы на Малахова, колёса пробиваем каждый день", from_id=11)

        run_job(runtime, "watch")

    walls = {w.target: (w.owner_id, w.title, w.last_error) for w in watching.list_watches()}
    assert walls == {"vk:barnaul22": (-CITY, "Барнаул 22", None), "vk:tomenko_vp": (-GOVERNOR, "Виктор Томенко", None)}
    assert [a.link for a in AppealRecord.select()] == [f"https://vk.com/wall-{CITY}_1"]


def test_an_administrator_adding_a_wall_without_a_key_gets_it_kept_by_name(cli_env, monkeypatch, capsys):
    with FakeVkWalls(KEY) as vk:
        monkeypatch.setenv("APPEALS_VK_API_URL", vk.url)
        code, out, _ = run(capsys, "watch", "add", "vk:altai_news", "--every", "15m")
        assert vk.requests == []

    assert code == 0 and "наблюдение 1 vk:altai_news (по имени: найдётся, когда задан ключ) каждые 900 с" in out
    listed = run(capsys, "watch", "list")[1].splitlines()[2].split("\t")
    assert listed[:6] == ["1", "vk:altai_news", "—", "—", "—", "900 с"]


def test_with_a_key_stored_the_demo_walls_say_they_are_found_at_the_next_reading(cli_env, monkeypatch, capsys):
    with FakeVkWalls(KEY) as vk:  # the key is stored, but the demo setup still asks VK nothing
        monkeypatch.setenv("APPEALS_VK_API_URL", vk.url)
        monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
        assert run(capsys, "watch", "key", "set", "--key-stdin")[0] == 0
        code, added, _ = run(capsys, "watch", "demo")
        listed = run(capsys, "watch", "list")[1]
        assert vk.requests == []

    assert code == 0 and "нужен сервисный ключ" not in added + listed
    assert "наблюдение 1 vk:barnaul22: ещё не найдена в VK: будет найдена при следующем чтении стен" in added
    rows = [line.split("\t") for line in listed.splitlines()[2:]]
    assert [r[-1] for r in rows] == ["ещё не найдена в VK: будет найдена при следующем чтении стен"] * 2


def test_a_key_given_by_the_environment_counts_in_the_list_too(cli_env, monkeypatch, capsys):
    run(capsys, "watch", "demo")
    monkeypatch.setenv("APPEALS_VK_SERVICE_TOKEN", KEY)

    listed = run(capsys, "watch", "list")[1]

    assert "будет найдена при следующем чтении стен" in listed and "нужен сервисный ключ" not in listed
