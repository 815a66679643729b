"""Where an appeal's problem is and what it is about, for grouping appeals into incidents.

The street is read from the address (else the text) after a street word («ул.», «улица», «пр-т»,
«переулок»…): the next one to three words, each reduced to one normal form, so «на улице Антона
Петрова» and «ул. Антона Петрова» are the same street; a number after it (optionally after «д.» or
«дом») is the house. The topic's words are the text's lemmas of three letters or more without the
street's own words, compared as the share of one appeal's words found in the other's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .text import word_lemmas, words

STREET_WORDS = frozenset({
    "ул", "улица", "пр", "пр-т", "пр-те", "пр-та", "пр-ту", "проспект", "пер", "переулок", "б-р", "бульвар",
    "ш", "шоссе", "тракт", "пл", "площадь", "проезд", "мкр", "микрорайон",
})
HOUSE_WORDS = frozenset({"д", "дом", "дома", "доме", "домом"})
NOT_A_NAME = frozenset({"в", "на", "и", "у", "по", "около", "возле", "рядом", "нет", "не", "уже", "с", "со",
                        "к", "от", "до", "за", "это", "опять", "снова", "весь", "всё", "все"})
MAX_NAME_WORDS = 3
TOKEN = re.compile(r"[\w]+(?:-[\w]+)*|[^\w\s]")
MAX_TERMS = 400  # an incident's words are capped so its row stays small


@dataclass(frozen=True)
class Street:
    name: str  # normal forms joined by spaces: "антон петров"
    house: str | None


def one_form(word: str) -> str:
    """One stable normal form of a word (the first of its lemmas in sorted order)."""
    return min(word_lemmas(word)) if word_lemmas(word) else word


# Both readings are pure and routing asks them of the same texts several times (the place lock, the incident
# join, each lone candidate's), inside the write transaction: kept for the texts seen last.
READINGS_KEPT = 2048


@lru_cache(maxsize=READINGS_KEPT)
def street_of(*texts: str | None) -> Street | None:
    """The first street named in the first text that names one (address before text)."""
    for text in texts:
        found = _street(_tokens(text or ""))
        if found is not None:
            return found
    return None


def _tokens(text: str) -> list[str]:
    """Words (ё→е, case kept) and punctuation marks, in order: a street's name ends at a comma,
    a bracket or the end of a sentence."""
    return [t.replace("ё", "е").replace("Ё", "Е") for t in TOKEN.findall(text)]


def _is_word(token: str) -> bool:
    return token[0].isalnum()


def _street_word(token: str) -> bool:
    token = token.lower()
    return _is_word(token) and (token in STREET_WORDS or one_form(token) in STREET_WORDS)


def _name_word(token: str, capital: bool) -> bool:
    """A word of a street's name; once the name starts with a capital letter, only capitalised words
    continue it («ул. Попова яма на дороге» names Попова)."""
    low = token.lower()
    return (_is_word(token) and low not in HOUSE_WORDS and low not in NOT_A_NAME
            and not _street_word(token) and not token[0].isdigit() and (not capital or token[0].isupper()))


def _street(tokens: list[str]) -> Street | None:
    for i, token in enumerate(tokens):
        if not _street_word(token):
            continue
        j = i + 1
        if j < len(tokens) and tokens[j] == ".":  # «ул. Ленина»
            j += 1
        name = []
        capital = j < len(tokens) and tokens[j][0].isupper()
        while j < len(tokens) and len(name) < MAX_NAME_WORDS and _name_word(tokens[j], capital):
            name.append(one_form(tokens[j].lower()))
            j += 1
        if not name:  # «на Антона Петрова улице»: the name stands before the street word
            k = i - 1
            capital = k >= 0 and tokens[k][0].isupper()
            while k >= 0 and len(name) < MAX_NAME_WORDS and _name_word(tokens[k], capital):
                name.insert(0, one_form(tokens[k].lower()))
                k -= 1
            j = i + 1
        if not name:
            continue
        while j < len(tokens) and (tokens[j].lower() in HOUSE_WORDS or tokens[j] in (",", ".")):
            j += 1
        house = tokens[j] if j < len(tokens) and tokens[j][0].isdigit() else None
        return Street(" ".join(name), house)
    return None


@lru_cache(maxsize=READINGS_KEPT)
def topic_words(text: str | None, street: Street | None = None) -> frozenset[str]:
    """The lemmas of the text's words of three letters or more, the street's name words left out."""
    skip = set(street.name.split()) if street else set()
    out: set[str] = set()
    for word in words(text or ""):
        if len(word) < 3 or word[0].isdigit() or word in STREET_WORDS:
            continue
        forms = word_lemmas(word) or frozenset({word})
        if forms & skip:
            continue
        out.add(min(forms))
    return frozenset(out)


def overlap(appeal_words: frozenset[str] | set[str], other_words: frozenset[str] | set[str]) -> float:
    """The share of the appeal's words found in the other's (0 when the appeal has none)."""
    if not appeal_words:
        return 0.0
    return len(set(appeal_words) & set(other_words)) / len(appeal_words)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a square around the point that holds the circle."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
