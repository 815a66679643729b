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
        assert "watching 1 vk:barnaul22 (owner -218000001) Барнаул 22 every 600 s" in capsys.readouterr().out
        assert main(["watch", "add", "vk:nobody"]) == 2
        assert "does not know the name 'nobody'" in capsys.readouterr().err

    assert main(["watch", "list"]) == 0
    listed = capsys.readouterr().out.split("\t")
    assert listed[:6] == ["1", "vk:barnaul22", "-218000001", "Барнаул 22", "barnaul", "600s"]
    assert main(["watch", "remove", "1"]) == 0
    assert main(["watch", "remove", "1"]) == 2
    capsys.readouterr()
    assert main(["watch", "list"]) == 0
    assert capsys.readouterr().out == ""
