"""The complaint stage for watched walls: is a post or comment a complaint or request to the
authorities, or chatter? Rules are data: ``rules/routing/monitoring.yaml`` (a threshold, the weight of a
topic of the lexicon and of a place, complaint marker phrases, words by lemma, chatter phrases that
count against). The score is the sum of what was found; the explanation names every match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from engine.classify.matching import Tokens
from engine.classify.text import normalise, word_lemmas, words
from engine.yaml_load import safe_load

FILE = "routing/monitoring.yaml"
KEYS = {"stage", "description", "threshold", "weights", "markers", "words", "chatter"}
_ADDRESS = re.compile(r"\b(ул\.|улиц[аеиу]|проспект|пр-т|переул|тракт|дом\s*\d|д\.\s*\d|[а-яё]+ \d{1,3}\b)", re.I)


class MonitoringRulesError(ValueError):
    pass


@dataclass(frozen=True)
class Judgement:
    complaint: bool
    score: float
    words: tuple[str, ...]  # what was found, with its weight: «когда уже» +1.5, тема roads +1

    def explanation(self) -> str:
        kind = "жалоба" if self.complaint else "не жалоба"
        return f"{kind}: {self.score:g} ({', '.join(self.words) or 'ничего не найдено'})"


@dataclass(frozen=True)
class ComplaintStage:
    threshold: float
    topic_weight: float
    place_weight: float
    markers: dict[str, float]
    lemma_weights: dict[str, float]
    chatter: dict[str, float]

    def judge(self, text: str, reader=None) -> Judgement:
        tokens = words(text)
        joined = " " + " ".join(tokens) + " "
        found: list[tuple[str, float]] = []
        for phrase, weight in self.markers.items():
            if f" {phrase} " in joined:
                found.append((f"«{phrase}»", weight))
        lemmas = set()
        for token in tokens:
            lemmas |= word_lemmas(token)
        for lemma, weight in self.lemma_weights.items():
            if lemma in lemmas:
                found.append((lemma, weight))
        for phrase, weight in self.chatter.items():
            if f" {phrase}" in joined:
                found.append((f"«{phrase}»", -weight))
        if reader is not None:
            read = reader.lexicon.classify(Tokens(text))
            if read.topic and read.confidence >= reader.min_confidence:
                found.append((f"тема {read.topic}", self.topic_weight))
            place = reader.gazetteer.locate(Tokens(text))
            if place is not None:
                found.append((f"место {place.municipality}", self.place_weight))
            elif _ADDRESS.search(normalise(text)):
                found.append(("адрес", self.place_weight))
        score = round(sum(w for _, w in found), 3)
        return Judgement(score >= self.threshold, score, tuple(f"{what} {w:+g}" for what, w in found))


def load_stage(rules_dir: Path) -> ComplaintStage | None:
    """The stage of ``rules_dir``; None when the folder has no monitoring.yaml."""
    path = Path(rules_dir) / FILE
    if not path.exists():
        return None
    try:
        doc = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MonitoringRulesError(f"{FILE}: {exc}") from None
    if not isinstance(doc, dict) or set(doc) - KEYS:
        raise MonitoringRulesError(f"{FILE}: unknown keys {sorted(set(doc) - KEYS) if isinstance(doc, dict) else doc}")
    weights = doc.get("weights") or {}
    try:
        return ComplaintStage(
            threshold=float(doc["threshold"]),
            topic_weight=float(weights.get("topic", 0)),
            place_weight=float(weights.get("place", 0)),
            markers={normalise(k): float(v) for k, v in (doc.get("markers") or {}).items()},
            lemma_weights={normalise(k): float(v) for k, v in (doc.get("words") or {}).items()},
            chatter={normalise(k): float(v) for k, v in (doc.get("chatter") or {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MonitoringRulesError(f"{FILE}: {exc!r}") from None
