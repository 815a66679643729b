"""The request checks' messages (marshmallow's) in Russian, for the API's 422 answers and the pages' forms:
one table, applied where a ValidationError becomes what a person reads."""

from __future__ import annotations

import re

from engine.wording.labels import FIELD_NAMES

EXACT = {
    "Missing data for required field.": "обязательное поле",
    "Field may not be null.": "не может быть пустым",
    "Unknown field.": "неизвестное поле",
    "Not a valid integer.": "нужно целое число",
    "Not a valid number.": "нужно число",
    "Not a valid string.": "нужна строка",
    "Not a valid boolean.": "нужно true или false",
    "Not a valid datetime.": "нужны дата и время в формате ISO 8601",
    "Not a valid date.": "нужна дата в формате ISO 8601",
    "Not a valid list.": "нужен список",
    "Not a valid mapping type.": "нужен объект",
    "Invalid input type.": "неверный тип значения",
    "Invalid value.": "неверное значение",
    "Not a valid email address.": "неверный адрес электронной почты",
}
PATTERNS = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "длина — от {0} до {1} знаков"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "не короче {0} знаков"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "не длиннее {0} знаков"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), "от {0} до {1}"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "не меньше {0}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "не больше {0}"),
    (re.compile(r"^Must be one of: (.*)\.$"), "одно из: {0}"),
)


def russian(message: str) -> str:
    """One message in Russian; a message already ours (or unknown) is kept."""
    if message in EXACT:
        return EXACT[message]
    for pattern, text in PATTERNS:
        found = pattern.match(message)
        if found:
            return text.format(*found.groups())
    return message


def russian_messages(messages):
    """marshmallow's messages (a dict by field, a list, a string), every text in Russian, the shape kept."""
    if isinstance(messages, dict):
        return {key: russian_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [russian_messages(value) for value in messages]
    return russian(messages) if isinstance(messages, str) else messages


def field_name(key: str) -> str:
    return FIELD_NAMES.get(key, key)
