"""The terms an appeal is found by, and those a staff search asks for, both as lemmas.

A document's terms are the words of its text, address and author's name with every normal form
of each word (engine.classify.text), so «ямы» in an appeal and «яма» in a search meet at «яма».
A search is a list of words; each word is the set of its forms, any of which may match.
"""

from __future__ import annotations

from engine.domain.personal_data import without_personal_data

from .text import word_lemmas, words

MAX_QUERY_WORDS = 12


def document_terms(*parts: str | None) -> list[str]:
    """Sorted distinct terms of the given texts (missing parts are skipped); e-mail addresses and phone
    numbers are not words of the index, so the index and its SQL carry no contact."""
    terms: set[str] = set()
    for part in parts:
        for word in words(without_personal_data(part or "")):
            terms |= word_lemmas(word) | {word}
    return sorted(terms)


def query_terms(query: str) -> list[list[str]]:
    """One sorted list of alternatives per distinct word of the query (at most MAX_QUERY_WORDS words)."""
    seen: list[str] = []
    for word in words(query):
        if word not in seen:
            seen.append(word)
    return [sorted(word_lemmas(word) | {word}) for word in seen[:MAX_QUERY_WORDS]]
