"""Reading an appeal's Russian text into facts: topic, municipality, 59-ФЗ flags, and their explanation.

Loaded from three rules files beside the routing rules: lexicon.yaml (the weighted topic lexicon,
repeat and cluster windows, e-mail channels), gazetteer.yaml (municipalities in all their forms)
and obscene.yaml (a small lexicon of roots).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from engine.yaml_load import safe_load

from .flags import ObsceneLexicon, is_anonymous, is_plain_email
from .gazetteer import Gazetteer, Place
from .history import History, HistorySettings
from .lexicon import Classification, Lexicon
from .matching import Tokens

FILES = ("lexicon.yaml", "gazetteer.yaml", "obscene.yaml")
MIN_CONFIDENCE_DEFAULT = 0.3
TEXTS_CACHED = 2048
TEXT_CACHED_CHARS = 4000


@dataclass(frozen=True)
class Reading:
    classification: Classification
    place: Place | None
    obscene_words: int
    anonymous: bool
    plain_email: bool

    def tags(self, history: History | None) -> list[str]:
        found = []
        if self.obscene_words:
            found.append("obscene")
        if self.anonymous:
            found.append("anonymous")
        if self.plain_email:
            found.append("email-not-fz59")
        if history is not None and history.mass_incident:
            found.append("mass-incident")
        return found


class TextReader:
    def __init__(self, lexicon: Lexicon, gazetteer: Gazetteer, obscene: ObsceneLexicon, *,
                 email_channels: frozenset[str], history: HistorySettings, min_confidence: float, version: str):
        self.lexicon = lexicon
        self.gazetteer = gazetteer
        self.obscene = obscene
        self.email_channels = email_channels
        self.history = history
        self.min_confidence = min_confidence
        self.version = version
        # what a text says (topic, place, obscene words) is found once per distinct recent text
        self._text = lru_cache(maxsize=TEXTS_CACHED)(self._read_text)
        self._place = lru_cache(maxsize=TEXTS_CACHED)(self._locate)
        self._tokens = lru_cache(maxsize=16)(Tokens)  # a text's topic and place are found one after the other

    def _read_text(self, text: str) -> tuple[Classification, int]:
        tokens = self._tokens(text)
        classification = self.lexicon.classify(tokens)
        if classification.topic and classification.confidence < self.min_confidence:
            classification = dataclasses.replace(classification, topic=None, subtopic=None)
        return classification, self.obscene.found_in(tokens.words)

    def _locate(self, text: str) -> Place | None:
        return self.gazetteer.locate(self._tokens(text))

    def read(self, incoming) -> Reading:
        text = incoming.text or ""
        classification, obscene = self._text(text) if len(text) <= TEXT_CACHED_CHARS else self._read_text(text)
        place = None
        if not incoming.municipality:
            place = self._place(text) if len(text) <= TEXT_CACHED_CHARS else self._locate(text)
        regime = incoming.effective_regime
        return Reading(
            classification=classification,
            place=place,
            obscene_words=obscene,
            anonymous=regime == "fz59" and is_anonymous(incoming.author, address=incoming.address),
            plain_email=is_plain_email(incoming.channel, self.email_channels),
        )

    @staticmethod
    def merge(facts: dict, reading: Reading, history: History | None) -> dict:
        """Add what the text says to the facts the rulebook decides on (the channel's own facts stay)."""
        cls = reading.classification
        if cls.topic and not facts.get("topic"):
            facts["topic"] = cls.topic
            if cls.subtopic and not facts.get("subtopic"):
                facts["subtopic"] = cls.subtopic
        if reading.place and not facts.get("municipality"):
            facts["municipality"] = reading.place.municipality
        tags = list(facts.get("tags") or [])
        tags += [t for t in reading.tags(history) if t not in tags]
        facts["tags"] = tags
        if history is not None:
            facts["repeat_count"] = history.repeat_count
        return facts

    @staticmethod
    def annotate(decision, incoming, reading: Reading, history: History | None):
        """Record the classifier's reading in the decision; a channel category that won over a
        different lexicon topic is tagged `topic-disagreement`."""
        cls = reading.classification
        disagree = bool(incoming.category and cls.topic and cls.topic != decision.topic)
        tags = tuple(decision.tags) + (("topic-disagreement",) if disagree and "topic-disagreement" not in
                                       decision.tags else ())
        inner = decision.explainer

        def explain() -> tuple:  # built only when someone reads the explanation
            entry = {
                "stage": "classify",
                "hit_policy": "lexicon",
                "rulesets": list(FILES),
                "fired": _fired(cls, reading.place, decision.topic, incoming.category, disagree),
                "classification": cls.to_dict(),
                "municipality": reading.place.to_dict() if reading.place else None,
                "flags": {"obscene": bool(reading.obscene_words), "anonymous": reading.anonymous,
                          "plain_email": reading.plain_email},
                "history": history.to_dict() if history else None,
            }
            return (entry, *(inner() if inner is not None else ()))

        return dataclasses.replace(decision, tags=tags, explainer=explain)


def _fired(cls: Classification, place: Place | None, decided: str, category: str | None, disagree: bool) -> list:
    fired = []
    if cls.topic:
        description = f"Словарь тем: {cls.topic} (уверенность {cls.confidence})"
        if disagree:
            description += f"; канал указал категорию «{category}», тема по категории {decided} — расхождение"
        fired.append({
            "rule": f"lexicon:{cls.topic}", "ruleset": "lexicon.yaml", "description": description,
            "conditions": [{"fact": "lemmas", "op": "has_any", "value": list(cls.matched),
                            "actual": ", ".join(cls.matched)}],
            "then": {"topic": cls.topic, "subtopic": cls.subtopic},
        })
    if place:
        fired.append({
            "rule": f"gazetteer:{place.municipality}", "ruleset": "gazetteer.yaml",
            "description": f"Муниципалитет по тексту: {place.municipality} (упоминаний: {place.mentions})",
            "conditions": [{"fact": "words", "op": "phrase", "value": list(place.matched),
                            "actual": ", ".join(place.matched)}],
            "then": {"municipality": place.municipality},
        })
    return fired


def load_reader(rules_dir: Path) -> TextReader | None:
    """The reader for a rules folder, or None when the folder has no lexicon.yaml."""
    rules_dir = Path(rules_dir)
    if not (rules_dir / FILES[0]).exists():
        return None
    docs, digest = {}, hashlib.sha256()
    for name in FILES:
        data = (rules_dir / name).read_bytes()
        digest.update(name.encode() + b"\0" + data + b"\0")
        try:
            docs[name] = safe_load(data) or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"{name}: {exc}") from None
    topics = docs["lexicon.yaml"]
    return TextReader(
        Lexicon.from_document(topics, "lexicon.yaml"),
        Gazetteer.from_document(docs["gazetteer.yaml"], "gazetteer.yaml"),
        ObsceneLexicon.from_document(docs["obscene.yaml"], "obscene.yaml"),
        email_channels=frozenset(str(c) for c in topics.get("email_channels") or ["email"]),
        history=HistorySettings.from_document(topics),
        min_confidence=float(topics.get("min_confidence", MIN_CONFIDENCE_DEFAULT)),
        version=digest.hexdigest()[:16],
    )
