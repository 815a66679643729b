"""59-ФЗ flags read from an appeal: anonymous author, obscene language, plain e-mail channel."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ObsceneLexicon:
    """Roots matched at the start of a word, after an optional verbal prefix; listed exceptions never match."""

    pattern: re.Pattern
    exceptions: frozenset[str]

    @classmethod
    def from_document(cls, doc: dict, where: str = "obscene.yaml") -> ObsceneLexicon:
        roots = doc.get("roots")
        if not isinstance(roots, list) or not roots or not all(isinstance(r, str) and r for r in roots):
            raise ValueError(f"{where}: field roots: expected a non-empty list of strings")
        prefixes = [p for p in doc.get("prefixes") or [] if isinstance(p, str) and p]
        prefix = "(?:" + "|".join(map(re.escape, sorted(prefixes, key=len, reverse=True))) + ")?" if prefixes else ""
        body = "|".join(map(re.escape, sorted(roots, key=len, reverse=True)))
        return cls(re.compile(f"^{prefix}(?:{body})"), frozenset(str(e) for e in doc.get("exceptions") or []))

    def found_in(self, words: list[str]) -> int:
        """How many words of the text are obscene (the words themselves are never repeated anywhere)."""
        return sum(1 for w in set(words) if w not in self.exceptions and self.pattern.match(w))


def is_anonymous(author, *, address: str | None) -> bool:
    """59-ФЗ art. 11: no surname, or no postal or e-mail address to answer to."""
    if author is None or author.type == "anonymous":
        return True
    name_words = (author.name or "").split()
    has_surname = len(name_words) >= 2 or (author.type == "legal_entity" and bool(name_words))
    return not has_surname or not (address or author.contact)


def is_plain_email(channel: str, email_channels: frozenset[str]) -> bool:
    """Since 30.03.2025 plain e-mail is not a 59-ФЗ channel: route it, but flag it."""
    return channel in email_channels
