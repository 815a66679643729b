"""Topic classification from a weighted lexicon (rules/lexicon.yaml): topic, subtopic, confidence, matched terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from .attributes import Attribute, parse_attributes
from .matching import Term, TermIndex, Tokens, mapping, parse_term


@dataclass(frozen=True)
class Classification:
    topic: str | None
    subtopic: str | None = None
    confidence: float = 0.0
    matched: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "subtopic": self.subtopic,
            "confidence": self.confidence,
            "matched": list(self.matched),
            "scores": dict(self.scores),
        }


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    description: str
    terms: tuple[tuple[Term, float], ...]
    subtopics: dict[str, tuple[tuple[Term, float], ...]]
    keywords: tuple[str, ...]
    subtopic_names: dict[str, str] = field(default_factory=dict)
    attributes: tuple[Attribute, ...] = ()  # what an Open311 client may tell about it (service definition)
    sector: str | None = None  # the centre's sector block its appeals belong to (directory.yaml sectors)


class Lexicon:
    """Scores each topic by the weights of its distinct terms found in the text."""

    def __init__(self, topics: dict[str, Topic], *, min_score: float, strong_score: float):
        self.topics = topics
        self.min_score = min_score
        self.strong_score = strong_score
        every = {t for topic in topics.values()
                 for t, _ in (*topic.terms, *(x for sub in topic.subtopics.values() for x in sub))}
        self.index = TermIndex((t, None) for t in every)
        self._topics_of: dict[Term, set[str]] = {}  # a term → the topics it scores for
        for code, topic in topics.items():
            for t, _ in (*topic.terms, *(x for sub in topic.subtopics.values() for x in sub)):
                self._topics_of.setdefault(t, set()).add(code)

    @classmethod
    def from_document(cls, doc: dict, where: str = "lexicon.yaml") -> Lexicon:
        raw_topics = mapping(doc, "topics", where, "topic codes")
        topics = {}
        for code, raw in raw_topics.items():
            path = f"{where}: topic {code}"
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise ValueError(f"{path}: field name: expected a string")
            subtopics = {
                sub: _terms(sraw.get("terms") if isinstance(sraw, dict) else None, f"{path}: subtopic {sub}")
                for sub, sraw in (raw.get("subtopics") or {}).items()
            }
            terms = _terms(raw.get("terms"), path)
            sector = raw.get("sector")
            if sector is not None and (not isinstance(sector, str) or not sector.strip()):
                raise ValueError(f"{path}: field sector: expected a sector code from directory.yaml")
            names = {str(sub): str(sraw["name"]) for sub, sraw in (raw.get("subtopics") or {}).items()
                     if isinstance(sraw, dict) and sraw.get("name")}
            topics[str(code)] = Topic(
                code=str(code),
                name=raw["name"],
                description=str(raw.get("description") or raw["name"]),
                terms=terms,
                subtopics=subtopics,
                keywords=tuple(t.text for t, _ in terms[:5]),
                subtopic_names=names,
                attributes=parse_attributes(raw.get("attributes"), names, path),
                sector=sector.strip() if sector else None,
            )
        return cls(topics, min_score=float(doc.get("min_score", 2)), strong_score=float(doc.get("strong_score", 5)))

    def classify(self, tokens: Tokens) -> Classification:
        hits = {m.term for m in self.index.find(tokens)}
        scores: dict[str, float] = {}
        matched: dict[str, list[str]] = {}
        scored = {code for t in hits for code in self._topics_of[t]}
        for code, topic in self.topics.items():
            if code not in scored:
                continue
            found = [(t, w) for t, w in topic.terms if t in hits]
            seen = {t.text for t, _ in found}
            for sub_terms in topic.subtopics.values():
                for t, w in sub_terms:
                    if t.text not in seen and t in hits:
                        found.append((t, w))
                        seen.add(t.text)
            if found:
                scores[code] = round(sum(w for _, w in found), 3)
                matched[code] = [t.text for t, _ in found]
        if not scores:
            return Classification(topic=None)
        best = max(scores, key=lambda c: (scores[c], -list(self.topics).index(c)))
        if scores[best] < self.min_score:
            return Classification(topic=None, matched=tuple(matched[best]), scores=scores)
        share = scores[best] / sum(scores.values())
        confidence = round(share * min(1.0, scores[best] / self.strong_score), 2)
        subtopic = self._subtopic(self.topics[best], hits)
        return Classification(best, subtopic, confidence, tuple(matched[best]), scores)

    @staticmethod
    def _subtopic(topic: Topic, hits: set[Term]) -> str | None:
        best, best_score = None, 0.0
        for sub, terms in topic.subtopics.items():
            score = sum(w for t, w in terms if t in hits)
            if score > best_score:
                best, best_score = sub, score
        return best


def _terms(raw, path: str) -> tuple[tuple[Term, float], ...]:
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: field terms: expected a mapping of term: weight")
    out = []
    for text, weight in raw.items():
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
            raise ValueError(f"{path}: term {text!r}: expected a positive weight, got {weight!r}")
        out.append((parse_term(text, path), float(weight)))
    return tuple(out)
