"""Facts for the rulebook: from an IncomingAppeal, and the checks applied before evaluation."""

from __future__ import annotations

from datetime import datetime

from engine.classify import text as textmod

from .compiler import TokenIndex
from .model import FactError
from .vocabulary import DEFAULTS, FACTS, cap_bytes


def appeal_facts(appeal, *, local_received: datetime | None = None) -> dict:
    """A JSON-serialisable facts dict for one IncomingAppeal.

    ``local_received`` is the receipt time in the region's zone; without it the appeal's own
    ``received_at`` clock is used for weekday and hour. ``working_time`` is left out: the caller
    that owns the calendar adds it. The text is kept only up to 64 KiB (for ``matches``);
    words and lemmas come from the whole text.
    """
    when = local_received or appeal.received_at
    facts: dict = {
        "channel": appeal.channel,
        "regime": appeal.effective_regime,
        "category": appeal.category,
        "subcategory": appeal.subcategory,
        "municipality": appeal.municipality,
        "author_type": appeal.author.type if appeal.author else None,
        "urgency": appeal.urgency,
        "fz59": bool(appeal.fz59),
        "attachment_count": len(appeal.attachments),
        "repeat_count": 0,
        "weekday": when.isoweekday(),
        "hour": when.hour,
        "tags": [],
        "text": cap_bytes(appeal.text or ""),
    }
    facts.update(textmod.analyse(appeal.text or ""))
    return {k: v for k, v in facts.items() if v is not None}


class PreparedFacts(dict):
    """What ``prepare_facts`` returned: preparing it again only copies it, and its copies share one
    index of where the words and their lemmas occur (the words never change once prepared)."""

    _index: TokenIndex | None = None

    def token_index(self) -> TokenIndex:
        if self._index is None:
            self._index = TokenIndex(self.get("words") or [])
        return self._index


def _all_text(items) -> bool:
    """Every item is a string (joining them refuses any other item)."""
    try:
        "".join(items)
    except TypeError:
        return False
    return True


def prepare_facts(facts: dict) -> PreparedFacts:
    """Checked copy of facts: unknown keys and None values dropped, defaults applied, list
    items casefolded (ё→е), words/lemmas derived from ``text`` when not given.

    Raises FactError for a value of the wrong type (bool is not an int).
    """
    if type(facts) is PreparedFacts:
        again = PreparedFacts(facts)
        again._index = facts._index
        return again
    out = PreparedFacts()
    for name, value in facts.items():
        spec = FACTS.get(name)
        if spec is None or value is None:
            continue
        t = spec.type
        if t == "str":
            ok = isinstance(value, str)
        elif t == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif t == "bool":
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, (list, tuple)) and _all_text(value)
            if ok:
                value = textmod.normalise_items(value)
                if name != "words":
                    value = list(dict.fromkeys(value))
        if not ok:
            raise FactError(f"fact {name}: expected {t}, got {value!r}")
        out[name] = value
    if "text" in out:
        if "words" not in out and "lemmas" not in out:
            out.update(textmod.analyse(out["text"]))
        out.setdefault("text_length", len(out["text"]))
        out["text"] = cap_bytes(out["text"])
    for name, default in DEFAULTS.items():
        if name not in out:
            out[name] = list(default) if isinstance(default, list) else default
    return out
