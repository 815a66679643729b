"""The region's municipalities and city districts in any inflected form ("в Бийске", "Бийского района").

Each municipality of rules/gazetteer.yaml has a name and a kind. A city is found by its name; a
district by "<name> район", "… муниципальный район", "… муниципальный округ" and "… р-н", and by
its administrative centre (`centre`); any entry may list more `forms` (demonyms, city districts,
phrases). Inflections are generated from each name (engine.classify.matching.Term.place).
"""

from __future__ import annotations

from dataclasses import dataclass

from .matching import Term, TermIndex, Tokens, mapping, parse_term

KINDS = ("city", "district")
DISTRICT_WORD = "район"
DISTRICT_SUFFIXES = ("район", "муниципальный район", "муниципальный округ", "р-н")


@dataclass(frozen=True)
class Place:
    municipality: str
    mentions: int
    matched: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"municipality": self.municipality, "mentions": self.mentions, "matched": list(self.matched)}


class Gazetteer:
    def __init__(self, names: dict[str, tuple[Term, ...]], titles: dict[str, str]):
        self.names = names
        self.titles = titles
        self.order = {mid: i for i, mid in enumerate(names)}  # the file's order settles a shared name
        self.index = TermIndex((term, mid) for mid, terms in names.items() for term in terms)

    @classmethod
    def from_document(cls, doc: dict, where: str = "gazetteer.yaml") -> Gazetteer:
        raw = mapping(doc, "municipalities", where, "municipality ids")
        names, titles = {}, {}
        for mid, entry in raw.items():
            path = f"{where}: municipality {mid}"
            if not isinstance(entry, dict):
                raise ValueError(f"{path}: expected a mapping with name and kind")
            titles[str(mid)] = str(entry.get("name") or mid)
            names[str(mid)] = tuple(parse_term(text, path, Term.place) for text in _names(entry, path))
        return cls(names, titles)

    def locate(self, tokens: Tokens) -> Place | None:
        """The municipality mentioned most often; a longer name wins where two overlap
        ("Бийского района" is the district, not the city); a tie goes to the first mentioned."""
        spans = [(m.start, m.end, m.key, m.term.text) for m in self.index.find(tokens)]
        if not spans:
            return None
        taken: set[int] = set()
        counts: dict[str, list] = {}
        for start, end, mid, text in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0], self.order[s[2]])):
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


def _names(entry: dict, path: str) -> list[str]:
    """Every name an entry is known by, as written: the generated ones, its centre, its forms."""
    kind = entry.get("kind", "city")
    if kind not in KINDS:
        raise ValueError(f"{path}: field kind: expected one of {', '.join(KINDS)}")
    lists = {}
    for field in ("forms", "centre"):
        value = entry.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{path}: field {field}: expected a list of names")
        lists[field] = value
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"{path}: field name: expected a string")
    found = []
    if kind == "district":
        if not name or not name.endswith(" " + DISTRICT_WORD):
            raise ValueError(f"{path}: field name: a district is named '<…> {DISTRICT_WORD}'")
        stem = name[: -len(DISTRICT_WORD)].strip()
        found += [f"{stem} {suffix}" for suffix in DISTRICT_SUFFIXES]
    elif name and entry.get("name_alone", True):
        found.append(name)
    found += lists["centre"] + lists["forms"]
    if not found:
        raise ValueError(f"{path}: no name to find it by: give name or forms")
    return list(dict.fromkeys(found))
