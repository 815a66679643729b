"""Finding terms (single words or phrases) in a tokenised text, whatever the inflection.

Shared by the topic lexicon and the gazetteer: a term is a sequence of words, each with the set of
forms that match it; a TermIndex finds every occurrence of many terms in one pass over the text.
Lexicon terms match by normal form (all of them: the top one is often wrong). Place names may
instead carry their inflected forms, generated with pymorphy3 from the name as written, so a
village the dictionary does not know still matches "в Тальменке" or "Бийского района".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from engine.classify import text as textmod

DECLINABLE_POS = frozenset({"NOUN", "ADJF"})


def forms(word: str) -> frozenset[str]:
    """A word and all its normal forms (ё→е, casefolded)."""
    word = textmod.normalise(word)
    return textmod.word_lemmas(word) | {word}


@lru_cache(maxsize=20_000)
def inflections(word: str) -> frozenset[str]:
    """Every form pymorphy3 gives for the word as a noun or full adjective whose normal form it is
    ("тальменка" → тальменки, тальменке…; "бийский" → бийского, бийском…); empty when it has none.

    Names ending in -о or -е (Родино, Шипуново, Яровое) are not inflected: they are often left
    undeclined, and their generated forms are other words ("родине", the surname "Романова")."""
    word = textmod.normalise(word)
    morph = textmod._analyzer()  # the process's one analyzer, shared with the rule language
    if morph is None or word.endswith(("о", "е")):
        return frozenset()
    found: set[str] = set()
    for parse in morph.parse(word):
        if parse.tag.POS in DECLINABLE_POS and textmod.normalise(parse.normal_form) == word:
            found.update(textmod.normalise(f.word) for f in parse.lexeme)
    return frozenset(found)


@dataclass(frozen=True)
class Term:
    """One entry: the words as written in the rules file and the forms that match each."""

    text: str
    words: tuple[frozenset[str], ...]

    @classmethod
    def parse(cls, text: str) -> Term:
        """Matching by normal form: a text word matches when they share one."""
        return cls(text=text, words=tuple(forms(w) for w in _words(text)))

    @classmethod
    def place(cls, text: str) -> Term:
        """A name: each word matches its generated inflections, or (when pymorphy3 has none for it)
        its normal forms as in `parse`. Words the name ends with in -о/-е match only as written."""
        words = []
        for word in _words(text):
            inflected = inflections(word)
            if inflected:
                words.append(inflected | {word})
            elif word.endswith(("о", "е")):
                words.append(frozenset({word}))
            else:
                words.append(forms(word))
        return cls(text=text, words=tuple(words))


def _words(text: str) -> list[str]:
    words = textmod.words(text)
    if not words:
        raise ValueError(f"term {text!r} has no words")
    return words


class Tokens:
    """A text's tokens with the forms of each (the word and its normal forms), computed once."""

    def __init__(self, text: str):
        self.words = textmod.words(text)
        self.forms = [forms(w) for w in self.words]


@dataclass(frozen=True)
class Match:
    start: int
    end: int  # exclusive
    term: Term
    key: object  # what the term stands for: a topic, a municipality


class TermIndex:
    """Many terms indexed by the forms of their first word; `find` reads a text once."""

    def __init__(self, entries: Iterable[tuple[Term, object]]):
        self._by_first: dict[str, list[tuple[Term, object]]] = {}
        for entry in entries:
            for form in entry[0].words[0]:
                self._by_first.setdefault(form, []).append(entry)

    def find(self, tokens: Tokens) -> list[Match]:
        """Every occurrence of every term, by start position."""
        found = []
        by_first, all_forms = self._by_first, tokens.forms
        size = len(all_forms)
        for i, here in enumerate(all_forms):
            hits = [entry for form in here for entry in by_first.get(form, ())]
            if not hits:
                continue
            if len(hits) > 1:  # a term reached through two forms of the same word counts once
                hits = list({id(entry): entry for entry in hits}.values())
            for term, key in hits:
                words = term.words
                n = len(words)
                if n == 1 or (i + n <= size and all(not words[j].isdisjoint(all_forms[i + j]) for j in range(1, n))):
                    found.append(Match(i, i + n, term, key))
        return found


def mapping(doc: dict, field: str, where: str, what: str) -> dict:
    """A rules file's top-level mapping `field`, non-empty, or a ValueError naming it."""
    raw = doc.get(field)
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{where}: field {field}: expected a mapping of {what}")
    return raw


def parse_term(text, path: str, make=Term.parse) -> Term:
    """A term from a rules file, or a ValueError naming where it is."""
    try:
        return make(str(text))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@lru_cache(maxsize=2_000)
def in_place(name: str) -> str:
    """«в Барнауле», «в Павловском районе», «в Шипуново»: a place name after «в» (the prepositional case of
    each declinable word, as written otherwise; names on -о/-е stay as they are)."""
    morph = textmod._analyzer()
    out = []
    for word in name.split():
        form = None
        if morph is not None and not word.lower().endswith(("о", "е")):
            for parse in morph.parse(word):
                if parse.tag.POS in DECLINABLE_POS:
                    inflected = parse.inflect({"loct"})
                    if inflected is not None:
                        form = inflected.word
                        break
        if form is None:
            out.append(word)
        else:  # keep the capitals as written
            out.append(form[:1].upper() + form[1:] if word[:1].isupper() else form)
    return "в " + " ".join(out)
