"""Finding lexicon terms (single lemmas or phrases) in a tokenised text, whatever the inflection."""

from __future__ import annotations

from dataclasses import dataclass

from engine.rulebook import text as textmod


def forms(word: str) -> frozenset[str]:
    """A word and all its normal forms (ё→е, casefolded)."""
    word = textmod.normalise(word)
    return textmod.word_lemmas(word) | {word}


@dataclass(frozen=True)
class Term:
    """One lexicon entry: the words as written in the rules file and the forms that match each."""

    text: str
    words: tuple[frozenset[str], ...]

    @classmethod
    def parse(cls, text: str) -> Term:
        words = textmod.words(text)
        if not words:
            raise ValueError(f"term {text!r} has no words")
        return cls(text=text, words=tuple(forms(w) for w in words))


class Tokens:
    """A text's tokens with the forms of each, computed once and shared by every lookup."""

    def __init__(self, text: str):
        self.words = textmod.words(text)
        self.forms = [forms(w) for w in self.words]
        self.all_forms: set[str] = set().union(*self.forms) if self.forms else set()

    def positions(self, term: Term) -> list[int]:
        """Start positions where the term's words occur consecutively."""
        first = term.words[0]
        if first.isdisjoint(self.all_forms):
            return []
        size = len(term.words)
        found = []
        for i in range(len(self.forms) - size + 1):
            if all(not term.words[j].isdisjoint(self.forms[i + j]) for j in range(size)):
                found.append(i)
        return found

    def contains(self, term: Term) -> bool:
        if len(term.words) == 1:
            return not term.words[0].isdisjoint(self.all_forms)
        return bool(self.positions(term))
