"""The author's key from a contact they gave: one person, one key, however the number or address is written.

VK and Telegram appeals carry the platform's user id (``vk:52001777``, ``tg:777001``). A hotline
call, a generic channel's appeal and an Open311 request carry only a contact: a phone number or an
e-mail address, written as people write them. The key makes those comparable, so the repeats of an
author are found on every channel (engine.classify.history):

- a Russian phone number is ``phone:+7`` and its ten digits: ``+7 913 000-00-00``,
  ``8 (913) 0000000``, ``79130000000`` and ``9130000000`` are one person, ``phone:+79130000000``;
  a foreign number written with its ``+`` keeps its digits (``+375 29 …`` → ``phone:+37529…``);
  an extension (``доб. 12``) does not count; a number shorter than ten digits (a city number without
  its area code) is no key;
- an e-mail address is ``email:`` and the address trimmed and lower-cased.

When a contact has both, or an author gave several, the phone number wins: hotline calls know only
the number, and Open311 requests often give both.
"""

from __future__ import annotations

import re

PHONE_PREFIX, EMAIL_PREFIX = "phone:", "email:"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# digits with the separators people type between them; an optional leading "+"
_PHONE = re.compile(r"\+?\d[\d\s().\-‐–]{6,}\d")
_EXTENSION = re.compile(r"(доб\.?|добавочный|ext\.?|extension|вн\.?)\s*\d+\s*$", re.IGNORECASE)


def email_key(text: str | None) -> str | None:
    """``email:<address>`` of the first e-mail address in the text, lower-cased; None when there is none."""
    if not text:
        return None
    found = _EMAIL.search(text.strip())
    return EMAIL_PREFIX + found.group(0).strip(".").lower() if found else None


def phone_key(text: str | None) -> str | None:
    """``phone:+<digits>`` of the first phone number in the text; None when there is none."""
    if not text:
        return None
    cleaned = _EXTENSION.sub("", _EMAIL.sub(" ", text).strip())  # digits inside an e-mail address are no number
    for found in _PHONE.finditer(cleaned):
        number = phone_number(found.group(0))
        if number:
            return PHONE_PREFIX + number
    return None


def phone_number(written: str) -> str | None:
    """``+79130000000`` for a phone number as written; None when the digits are not a whole number."""
    digits = re.sub(r"\D", "", written)
    plus = written.lstrip().startswith("+")
    if len(digits) == 10 and not plus:  # a Russian number without its country code (913…, 3852…)
        return "+7" + digits
    if len(digits) == 11 and digits[0] in "78" and (not plus or digits[0] == "7"):
        return "+7" + digits[1:]  # 8 … is the trunk prefix of the same number
    if plus and 11 <= len(digits) <= 15:  # E.164: a foreign number
        return "+" + digits
    return None


def author_key(*contacts: str | None) -> str | None:
    """The key of an author from the contacts they gave, phone numbers first; None when none gives one."""
    for key in (phone_key, email_key):
        for contact in contacts:
            found = key(contact)
            if found:
                return found
    return None


def is_contact_key(author_id: str | None) -> bool:
    """Was this author id made from a contact (a phone number or an e-mail address)?"""
    return bool(author_id) and author_id.startswith((PHONE_PREFIX, EMAIL_PREFIX))
