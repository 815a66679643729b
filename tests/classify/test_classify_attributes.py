"""Service attributes declared per topic in lexicon.yaml: parsed strictly, values checked by datatype."""

from __future__ import annotations

import pytest

from engine.classify.attributes import Attribute, check_values, parse_attributes
from engine.classify.lexicon import Lexicon

SUBTOPICS = {"heating": "Отопление", "water": "Вода"}


def test_subtopics_become_the_values_of_a_list_attribute_in_declared_order():
    attributes = parse_attributes([
        {"code": "subtopic", "datatype": "singlevaluelist", "description": "Что случилось", "values": "subtopics"},
        {"code": "floor", "datatype": "number", "description": "Этаж", "required": True},
    ], SUBTOPICS, "lexicon.yaml: topic housing")

    assert [a.code for a in attributes] == ["subtopic", "floor"]
    assert attributes[0].values == (("heating", "Отопление"), ("water", "Вода"))
    assert attributes[1].required is True


@pytest.mark.parametrize("raw, named", [
    ({"code": "a b", "description": "x"}, "field code"),
    ({"code": "a", "datatype": "photo", "description": "x"}, "field datatype"),
    ({"code": "a", "description": ""}, "field description"),
    ({"code": "a", "datatype": "singlevaluelist", "description": "x"}, "field values"),
    ({"code": "a", "datatype": "string", "description": "x", "values": {"k": "v"}}, "field values"),
    ({"code": "a", "datatype": "singlevaluelist", "description": "x", "values": "subtopics"}, "no named subtopics"),
    ({"code": "a", "description": "x", "required": "yes"}, "field required"),
])
def test_a_wrong_attribute_declaration_is_an_error_naming_the_topic_and_field(raw, named):
    with pytest.raises(ValueError, match=named) as raised:
        parse_attributes([raw], {}, "lexicon.yaml: topic roads")

    assert "topic roads: attributes[0]" in str(raised.value)


def test_a_code_declared_twice_is_an_error():
    with pytest.raises(ValueError, match="declared twice"):
        parse_attributes([{"code": "a", "description": "x"}, {"code": "a", "description": "y"}], {}, "t")


def test_the_lexicon_refuses_a_topic_with_a_wrong_attribute():
    doc = {"topics": {"roads": {"name": "Дороги", "terms": {"яма": 2}, "attributes": {"code": "a"}}}}

    with pytest.raises(ValueError, match="topic roads: field attributes"):
        Lexicon.from_document(doc)


def test_posted_values_are_checked_and_cleaned_by_datatype():
    attributes = (
        Attribute("kind", "singlevaluelist", "Что", values=(("a", "A"), ("b", "B"))),
        Attribute("tags", "multivaluelist", "Метки", values=(("x", "X"), ("y", "Y"))),
        Attribute("depth", "number", "Глубина", required=True),
        Attribute("seen", "datetime", "Когда"),
    )

    clean, errors = check_values(attributes, {"kind": ["b"], "tags": ["x", "y", "x"], "depth": ["12,5"],
                                              "seen": ["2026-11-30T10:00:00+07:00"]})
    _, wrong = check_values(attributes, {"kind": ["c"], "depth": ["inf"], "seen": ["2026-11-30T10:00:00"]})

    assert errors == {}
    assert clean == {"kind": "b", "tags": ["x", "y"], "depth": 12.5, "seen": "2026-11-30T10:00:00+07:00"}
    assert set(wrong) == {"kind", "depth", "seen"}
    assert check_values(attributes, {})[1] == {"depth": "required"}


def test_a_code_the_service_does_not_define_is_an_error_not_kept():
    attributes = (Attribute("depth", "number", "Глубина"),)

    clean, errors = check_values(attributes, {"depth": ["3"], "extra": ["kept?"]})

    assert clean == {"depth": 3.0}
    assert errors == {"extra": "the service defines no such attribute"}
