"""The request bodies' JSON reader: how deep a value may nest and where a lone surrogate is caught, at the
edges, and the walk over the value skipped when the text cannot hold either."""

from __future__ import annotations

import json

import pytest

from webhooks import bounded_json
from webhooks.bounded_json import MAX_DEPTH, BadJson, read_json


def nested(levels: int) -> bytes:
    return ("[" * levels + "1" + "]" * levels).encode()


def test_a_value_nested_as_deep_as_allowed_is_read_and_one_level_more_is_refused():
    assert read_json(nested(MAX_DEPTH)) is not None
    with pytest.raises(BadJson, match="nested deeper"):
        read_json(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("raw", [b'{"text": "\\ud800"}', b'{"\\uDC00": 1}', '{"text": "\ud800"}'],
                         ids=["escaped", "escaped in a key", "a str holding one"])
def test_a_lone_surrogate_is_refused_however_it_comes(raw):
    with pytest.raises(BadJson, match="surrogate"):
        read_json(raw)


def test_brackets_inside_strings_make_the_walk_run_and_find_nothing_wrong():
    body = json.dumps({"text": "[" * (MAX_DEPTH + 5), "pair": "\\ud83d"}).encode()
    assert read_json(body)["text"] == "[" * (MAX_DEPTH + 5)


def test_a_webhooks_body_is_read_without_walking_it(monkeypatch):
    monkeypatch.setattr(bounded_json, "_check", lambda value: pytest.fail("walked"))
    body = json.dumps({"external_id": "1", "text": "Яма на дороге у дома 5", "author": {"name": "Анна"},
                       "attachments": ["https://example.ru/1.jpg"], "lat": 53.35}, ensure_ascii=False).encode()
    assert read_json(body)["author"] == {"name": "Анна"}
