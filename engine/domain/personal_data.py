"""Personal data in free text, masked: e-mail addresses and phone numbers become `a***@***.ru` and
`***-**-67`, keeping just enough (the first letter and the top-level domain; the last two digits)
for a log reader to tell two of them apart. Pure: used by the log filter (engine.log_privacy) and, to
leave them out of the words an appeal is found by, by engine.classify.search_terms."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@[\w-]+(?:\.[\w-]+)*\.([A-Za-zА-Яа-яЁё]{2,24})\b")
_SEP = r"[\s\-‐–.()]*"
_PHONE = re.compile(
    # international (+ and 10-14 digits), Russian 11 digits from 7 or 8, or a mobile from 9 without a prefix
    rf"(?<![\w+])(?:\+{_SEP}\d(?:{_SEP}\d){{9,13}}"
    rf"|[78]{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
    rf"|9\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}})(?!\w)"
)


def mask_personal_data(text: str) -> str:
    """``text`` with every e-mail address and phone number masked."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@***.{m.group(2)}", text)
    return _PHONE.sub(lambda m: "***-**-" + re.sub(r"\D", "", m.group(0))[-2:], text)


def without_personal_data(text: str) -> str:
    """``text`` with every e-mail address and phone number left out (a contact is searched as a whole,
    in the appeal's contact column, never as words of the text index)."""
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    return _PHONE.sub(" ", text)
