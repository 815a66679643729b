"""The one JSON reader of every request body: webhooks, Open311 and the staff API (as Flask's JSON
provider). It refuses, as BadJson (a ValueError), what the standard library would accept but the
rest of the service cannot hold: nesting deeper than MAX_DEPTH, integers outside 64 bits (Python
itself gives up at 4,300 digits with an error of another kind), NaN, ±Infinity and numbers that
overflow to them, and lone UTF-16 surrogates (``"\\ud800"``), which no database can store.
"""

from __future__ import annotations

import json
import math
import re

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class BadJson(ValueError):
    """The body is not JSON this service accepts; the message says why in plain words."""


def read_json(raw: bytes | str):
    """The value of a JSON text (bytes are read as UTF-8), or BadJson."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError as exc:
        raise BadJson(f"not UTF-8: {exc}") from None
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except RecursionError:
        raise BadJson(f"nested deeper than {MAX_DEPTH} levels") from None
    except BadJson:
        raise
    except ValueError as exc:
        raise BadJson(str(exc)) from None
    # a value nested deeper than MAX_DEPTH needs more brackets than that; a surrogate comes from an escape, or
    # from a str given as it is (UTF-8 bytes cannot hold one): without either the walk is skipped
    if (text.count("[") + text.count("{") > MAX_DEPTH or _ESCAPED_SURROGATE.search(text)
            or (text is raw and _SURROGATE.search(text))):
        _check(value)
    return value


def _integer(digits: str) -> int:
    if len(digits) > 20:  # "-9223372036854775808" is the longest
        raise BadJson(f"an integer of {len(digits)} digits: at most 64 bits are accepted")
    number = int(digits)
    if not MIN_INT <= number <= MAX_INT:
        raise BadJson("an integer outside 64 bits")
    return number


def _number(digits: str) -> float:
    number = float(digits)
    if not math.isfinite(number):
        raise BadJson(f"the number {digits[:40]} is too large")
    return number


def _constant(name: str):
    raise BadJson(f"{name} is not a JSON number")


def _check(value) -> None:
    """Depth and lone surrogates, without recursion: a stack of (value, depth)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadJson("a lone UTF-16 surrogate in a string")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BadJson(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, read by read_json: ``request.get_json()`` answers 400 for what it refuses."""

    def loads(self, s, **kwargs):
        return read_json(s)
