"""`appeals watch add/list/remove` against a local VK API."""

from __future__ import annotations

from tests.support.vk_walls import FakeVkWalls
from webhooks.cli import main


def test_watch_add_list_remove_on_the_command_line(cli_env, monkeypatch, capsys):
    with FakeVkWalls("service-key") as vk:
        vk.community(218_000_001, "barnaul22", "Барнаул 22")
        monkeypatch.setenv("APPEALS_VK_API_URL", vk.url)
        monkeypatch.setenv("APPEALS_VK_SERVICE_TOKEN", "service-key")

        assert main(["watch", "add", "vk:barnaul22", "--municipality", "barnaul", "--every", "10m"]) == 0
        assert "наблюдение 1 vk:barnaul22 (владелец -218000001) Барнаул 22 каждые 600 с" in capsys.readouterr().out
        assert main(["watch", "add", "vk:nobody"]) == 2
        assert "VK не знает имени 'nobody'" in capsys.readouterr().err

    assert main(["watch", "list"]) == 0
    zone, header, row = capsys.readouterr().out.splitlines()
    assert zone == "время: барнаульское время (UTC+7)"
    assert header.split("\t")[:7] == ["№", "стена", "владелец", "название", "территория", "период", "прочитана"]
    assert row.split("\t") == ["1", "vk:barnaul22", "-218000001", "Барнаул 22", "Барнаул", "600 с", "ещё не читалась",
                               "прочитано 0, жалоб 0, прочего 0", "—"]
    assert main(["watch", "remove", "1"]) == 0
    assert main(["watch", "remove", "1"]) == 2
    capsys.readouterr()
    assert main(["watch", "list"]) == 0
    assert capsys.readouterr().out == "наблюдений нет\n"
