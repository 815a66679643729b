"""What a channel may say about an appeal beyond its text, per topic: Open311 service attributes.

A topic of rules/lexicon.yaml may declare `attributes:`. Each has a code, a datatype (string, number,
datetime, text, singlevaluelist, multivaluelist), a description, whether it is required and, for
the lists, its values: `{key: name}`, or `subtopics` for the topic's named subtopics. Checking a
posted set of values is pure: it returns the cleaned values and the error of each wrong attribute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAX_VALUE = 10_000
SUBTOPIC = "subtopic"  # the attribute whose value becomes the appeal's subcategory


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str | None = None

    def check(self, given: list[str]):
        """The cleaned value of this attribute from the posted strings; ValueError when wrong."""
        if self.datatype != "multivaluelist" and len(given) > 1:
            raise ValueError("expected one value")
        if any(len(v) > MAX_VALUE for v in given):
            raise ValueError(f"longer than {MAX_VALUE} characters")
        keys = [k for k, _ in self.values]
        if self.datatype in LISTS:
            wrong = [v for v in given if v not in keys]
            if wrong:
                raise ValueError(f"{wrong[0]!r} is not one of {', '.join(keys)}")
            return list(dict.fromkeys(given)) if self.datatype == "multivaluelist" else given[0]
        value = given[0]
        if self.datatype == "number":
            number = float(value.replace(",", "."))  # ValueError names the text
            if not math.isfinite(number):
                raise ValueError("expected a finite number")
            return number
        if self.datatype == "datetime":
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("expected ISO 8601 with a time zone offset")
            return moment.isoformat()
        return value


def parse_attributes(raw, subtopic_names: dict[str, str], path: str) -> tuple[Attribute, ...]:
    """The attributes a topic declares, in order."""
    found: list[Attribute] = []
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{path}: field attributes: expected a list")
    for i, item in enumerate(raw):
        where = f"{path}: attributes[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a mapping")
        code, datatype = item.get("code"), item.get("datatype", "string")
        if not isinstance(code, str) or not code or not code.replace("_", "").isalnum():
            raise ValueError(f"{where}: field code: expected a word of letters, digits or '_'")
        if any(a.code == code for a in found):
            raise ValueError(f"{where}: code {code!r} is declared twice")
        if datatype not in DATATYPES:
            raise ValueError(f"{where}: field datatype: expected one of {', '.join(DATATYPES)}")
        if not isinstance(item.get("description"), str) or not item["description"]:
            raise ValueError(f"{where}: field description: expected a string")
        values = item.get("values") or {}
        if values == "subtopics":
            values = subtopic_names
            if not values:
                raise ValueError(f"{where}: field values: the topic has no named subtopics")
        if not isinstance(values, dict) or (datatype in LISTS) != bool(values):
            raise ValueError(f"{where}: field values: a mapping of key: name for the list datatypes, "
                             "and only for them")
        if not isinstance(item.get("required", False), bool):
            raise ValueError(f"{where}: field required: expected true or false")
        found.append(Attribute(code, datatype, item["description"], item.get("required", False),
                               tuple((str(k), str(v)) for k, v in values.items()),
                               item.get("datatype_description")))
    return tuple(found)


def check_values(attributes: tuple[Attribute, ...], given: dict[str, list[str]]) -> tuple[dict, dict[str, str]]:
    """Posted attribute values (code → strings) checked against the definitions: (clean values, errors).
    A code the service does not define is an error too: nothing posted is silently kept or dropped."""
    clean: dict = {}
    errors: dict[str, str] = {}
    defined = {a.code: a for a in attributes}
    for attribute in attributes:
        values = [v for v in given.get(attribute.code, []) if v != ""]
        if not values:
            if attribute.required:
                errors[attribute.code] = "required"
            continue
        try:
            clean[attribute.code] = attribute.check(values)
        except ValueError as exc:
            errors[attribute.code] = str(exc)
    for code in given:
        if code not in defined:
            errors[code] = "the service defines no such attribute"
    return clean, errors
