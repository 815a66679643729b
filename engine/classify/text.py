"""Russian text → lowercased tokens and a lemma set (ё→е, every normal form of every word)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_lock = threading.Lock()
_morph = None
_morph_loaded = False


def normalise(text: str) -> str:
    """Casefold and replace ё with е."""
    return text.casefold().replace("ё", "е")


def normalise_items(items) -> list[str]:
    """``normalise`` of each non-empty string of items, in order."""
    return [x.casefold().replace("ё", "е") for x in items if x]


def words(text: str) -> list[str]:
    """Tokens of the text in order, casefolded, ё→е."""
    return _WORD.findall(normalise(text))


def _analyzer():
    global _morph, _morph_loaded
    if not _morph_loaded:
        with _lock:
            if not _morph_loaded:
                try:
                    import pymorphy3

                    _morph = pymorphy3.MorphAnalyzer()
                except ImportError:  # pragma: no cover - the dependency is declared
                    _morph = None
                _morph_loaded = True
    return _morph


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> frozenset[str]:
    """All normal forms of one (already normalised) word; the word itself if it has none."""
    morph = _analyzer()
    if morph is None:
        return frozenset((word,))
    forms = {normalise(p.normal_form) for p in morph.parse(word)}
    return frozenset(forms or (word,))


def lemmas(tokens: list[str]) -> list[str]:
    """Sorted union of the lemma sets of the tokens."""
    out: set[str] = set()
    for w in tokens:
        out |= word_lemmas(w)
    return sorted(out)


CACHED_TEXT_CHARS = 4000  # texts up to this long are analysed once while they are among the recent ones


def analyse(text: str) -> dict:
    """Facts derived from a text: words, lemmas, text_length. The same short text (many residents
    write the same few words, and routing and its checks read a text more than once) is analysed once."""
    if len(text) <= CACHED_TEXT_CHARS:
        tokens, found = _analysed(text)
        return {"words": list(tokens), "lemmas": list(found), "text_length": len(text)}
    tokens = words(text)
    return {"words": tokens, "lemmas": lemmas(tokens), "text_length": len(text)}


@lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tokens = words(text)
    return tuple(tokens), tuple(lemmas(tokens))
