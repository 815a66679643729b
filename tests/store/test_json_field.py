"""JSON columns are written by orjson and read back as the standard library would give them; what orjson
writes differently (a datetime, a subclass, an integer over 64 bits) goes the standard library's way, so
nothing is stored that was refused before, and every stored row reads as it did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import pytest

from engine.store.models import AuditRecord, JSONField

FIELD = JSONField()


class Kind(StrEnum):
    ROADS = "roads"


@pytest.mark.parametrize("value", [
    {"б": [1, 2.5, None, True], "а": {"я": "ё", "z": ""}},  # non-ASCII kept, keys sorted at every level
    [{"rule": "lexicon:roads", "matched": ["яма", "провал"]}, "текст \u2028 с разделителем строк"],
    {"n": -(2 ** 63), "m": 2 ** 64 - 1, "f": 1e-05, "g": 0.1 + 0.2},
    {1: "один", 2: "два"},  # keys that are not text become text, as the standard library makes them
    {"big": 2 ** 70},  # over 64 bits: the standard library writes it
    {"kind": Kind.ROADS},  # a subclass of str: the standard library writes it
    "строка", 7, [],
])
def test_a_value_reads_back_as_the_standard_library_reads_its_own_text(value):
    text = FIELD.db_value(value)
    assert FIELD.python_value(text) == json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True))
    assert "\\u04" not in text  # Cyrillic as it is, not escaped


def test_keys_are_sorted_and_text_is_not_escaped():
    assert FIELD.db_value({"b": 1, "a": {"д": "яма", "в": 2}}) == '{"a":{"в":2,"д":"яма"},"b":1}'


@pytest.mark.parametrize("value", [{"at": datetime(2026, 12, 7, tzinfo=UTC)}, {"x": object()}])
def test_what_the_standard_library_refuses_is_still_refused(value):
    with pytest.raises(TypeError):
        FIELD.db_value(value)


def test_a_dataclass_is_refused_as_before():
    @dataclass
    class Point:
        x: int

    with pytest.raises(TypeError):
        FIELD.db_value({"p": Point(1)})


def test_rows_written_by_the_standard_library_still_read():
    for old in ('{"a": 1, "b": [1, 2]}', '{"x": NaN}', '{"big": 123456789012345678901234567890}'):
        assert json.dumps(FIELD.python_value(old)) == json.dumps(json.loads(old))
    assert FIELD.db_value(None) is None and FIELD.python_value(None) is None


def test_a_stored_row_round_trips_through_the_database(runtime):
    details = {"канал": "portal", "ids": [3, 1, 2], "nested": {"b": None, "a": 1.5}}
    row = AuditRecord.create(at=datetime(2026, 12, 7, tzinfo=UTC), actor="test", action="check", details=details)
    assert AuditRecord.get_by_id(row.id).details == details
