"""The region's municipalities and city districts in any inflected form ("в Бийске", "Бийского района")."""

from __future__ import annotations

from dataclasses import dataclass

from .matching import Term, Tokens


@dataclass(frozen=True)
class Place:
    municipality: str
    mentions: int
    matched: tuple[str, ...]


class Gazetteer:
    def __init__(self, names: dict[str, tuple[Term, ...]], titles: dict[str, str]):
        self.names = names
        self.titles = titles

    @classmethod
    def from_document(cls, doc: dict, where: str = "gazetteer.yaml") -> Gazetteer:
        raw = doc.get("municipalities")
        if not isinstance(raw, dict) or not raw:
            raise ValueError(f"{where}: field municipalities: expected a mapping of municipality ids")
        names, titles = {}, {}
        for mid, entry in raw.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("forms"), list) or not entry["forms"]:
                raise ValueError(f"{where}: municipality {mid}: field forms: expected a non-empty list")
            titles[str(mid)] = str(entry.get("name") or mid)
            names[str(mid)] = tuple(Term.parse(str(f)) for f in entry["forms"])
        return cls(names, titles)

    def locate(self, tokens: Tokens) -> Place | None:
        """The municipality mentioned most often; a longer name wins where two overlap
        ("Бийского района" is the district, not the city); a tie goes to the first mentioned."""
        spans = []
        for mid, terms in self.names.items():
            for term in terms:
                for start in tokens.positions(term):
                    spans.append((start, start + len(term.words), mid, term.text))
        if not spans:
            return None
        taken: set[int] = set()
        counts: dict[str, list] = {}
        for start, end, mid, text in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            entry = counts.setdefault(mid, [0, start, []])
            entry[0] += 1
            entry[1] = min(entry[1], start)
            if text not in entry[2]:
                entry[2].append(text)
        mid = min(counts, key=lambda m: (-counts[m][0], counts[m][1]))
        return Place(mid, counts[mid][0], tuple(counts[mid][2]))
