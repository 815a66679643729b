"""How staff pages show times, who did something, the details of an audit record and why an appeal went
where it went: pure functions of labels (engine.wording.labels) and data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from .alerts import utc_offset
from .labels import REJECT_REASONS, Labels

# details an audit record keeps for the machine (versions, hashes, what the explanation shows anyway)
HIDDEN_FIELDS = frozenset({"calendar_version", "policy_version", "basis", "stopped", "status_before",
                           "deadline_version", "explanation", "credit_unit", "origin", "files_hash"})

ANSWER_KINDS = {"interim": "промежуточный", "final": "по существу"}

# a field's value is a code of this kind of label
CODE_FIELDS = {
    "body": "body", "from_body": "body", "official": "official", "recipient": "official",
    "role": "role", "from_role": "role", "recipient_role": "role", "requested_role": "role", "clock": "clock",
    "priority": "priority", "from_priority": "priority", "status": ("status", "alert_status"), "topic": "topic",
    "policy": "policy", "deadline_policy": "policy", "regime": "regime", "channel": "channel",
    "level": "level", "municipality": "municipality", "via": "acknowledged_via",
    "message_kind": "message_kind",
}
CLOCK_LISTS = ("clocks_stopped", "clocks_paused", "without_interim")
CLOCK_TERMS = ("clocks_started", "clocks_resumed", "clocks_restarted")
TIME_FIELDS = ("due", "due_utc", "at", "until", "due_before", "due_at", "started_at", "started_before",
               "stopped_before", "next_check_at", "repeat_from", "retry_at")
ROLE_LISTS = ("vacant", "roles")


def as_moment(value) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def local_time(value, zone: str) -> str:
    """«11.01.2027 23:59» in ``zone`` for an aware datetime or an ISO 8601 string; «—» for none."""
    moment = as_moment(value)
    return "—" if moment is None else f"{moment.astimezone(ZoneInfo(zone)):%d.%m.%Y %H:%M}"


def zone_words(zone: str, labels: Labels, moment: datetime | None = None) -> str:
    """«барнаульское время (UTC+7)»: how a page names the zone of its times, once."""
    offset = utc_offset((moment or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)))
    return f"{labels('zone', zone)} ({offset})"


def actor_name(actor: str | None, labels: Labels, people: Mapping[str, str] | None = None) -> str:
    """Who did it, in words: a person by name, an API token by number, a channel, the command line, the system."""
    if not actor:
        return "—"
    kind, _, rest = actor.partition(":")
    if kind == "user" and rest:
        return (people or {}).get(rest) or f"сотрудник «{rest}»"
    if kind == "token" and rest:
        return f"API-токен №{rest}"
    if kind == "channel" and rest:
        return f"канал «{labels('channel', rest)}»"
    if kind == "cli" and rest:
        return f"командная строка ({rest})"
    return labels("actor", actor)


PEOPLE_FIELDS = ("official", "recipient")
ACTOR_FIELDS = ("written_by",)  # an official of the directory, or an actor (user:login, token:N)


def field_value(key: str, value, labels: Labels, zone: str, people: Mapping[str, str] | None = None) -> str:
    """One detail of an audit record as text, codes by their names and times local; ``people``: staff
    login → name, for an official who is a login rather than a person of the directory."""
    if key in PEOPLE_FIELDS and isinstance(value, str) and not labels.has("official", value):
        return (people or {}).get(value) or value
    if key in ACTOR_FIELDS and isinstance(value, str):
        if labels.has("official", value):
            return labels("official", value)
        return actor_name(value if ":" in value else f"user:{value}", labels, people)
    if key in CODE_FIELDS and isinstance(value, str):
        kinds = CODE_FIELDS[key]
        kinds = (kinds,) if isinstance(kinds, str) else kinds
        return labels(next((k for k in kinds if labels.has(k, value)), kinds[0]), value)
    if key == "kind" and value in ANSWER_KINDS:
        return ANSWER_KINDS[value]
    if key == "reason" and value in REJECT_REASONS:
        return REJECT_REASONS[value]
    if key in TIME_FIELDS:
        return local_time(value, zone)
    if key in ROLE_LISTS and isinstance(value, list):
        return ", ".join(labels("role", role) for role in value) or "—"
    if key == "deputy_for" and isinstance(value, str):
        return labels("official", value)
    if key == "route" and isinstance(value, str):
        return labels("route", value)
    if key in CLOCK_LISTS and isinstance(value, list):
        return ", ".join(labels("clock", kind) for kind in value) or "—"
    if key in CLOCK_TERMS and isinstance(value, list):
        return "; ".join(_clock_term(item, labels, zone) for item in value) or "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{labels('field', k)}: {field_value(k, v, labels, zone)}" for k, v in value.items())
    return str(value)


def _clock_term(item, labels: Labels, zone: str) -> str:
    if not isinstance(item, dict):
        return labels("clock", str(item))
    due = item.get("due_utc") or item.get("due")
    name = labels("clock", item.get("kind") or item.get("clock"))
    return f"{name} до {local_time(due, zone)}" if due else name


def detail_pairs(details: Mapping | None, labels: Labels, zone: str,
                 people: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The details of an audit record worth showing, as (Russian field name, value) pairs."""
    shown = []
    details = details or {}
    for key, value in details.items():
        if key in HIDDEN_FIELDS or value in (None, "", [], {}):
            continue
        if key == "reason" and "reason_text" in details:
            continue  # the article's wording says it
        if key == "due" and "due_utc" in details:
            continue
        shown.append((labels("field", key), field_value(key, value, labels, zone, people)))
    return shown


def routing_sentence(decision: Mapping | None, labels: Labels, *, municipality: str | None,
                     rule_titles: Mapping[str, str], in_place: Callable[[str], str] | None = None) -> str | None:
    """«Дороги в Барнауле → Комитет по дорожному хозяйству: правило «Ямы … Барнаула» (roads-pit-barnaul),
    найдено: «яма», «провал»» — why the appeal went where it went, in one sentence. ``decision``: the
    decision as the API shows it (topic, body, rule, explanation); ``in_place``: «Барнаул» → «в Барнауле»
    (without it: «Дороги, Барнаул»)."""
    if not decision:
        return None
    topic = labels("topic", decision.get("topic")) if decision.get("topic") else ""
    place = labels("municipality", municipality) if municipality else ""
    if place and in_place is not None:
        where = " ".join(x for x in (topic, in_place(place)) if x)
    else:
        where = ", ".join(x for x in (topic, place) if x)
    rule = decision.get("rule")
    title = rule_titles.get(rule) or rule
    sentence = f"{where or 'Обращение'} → {labels('body', decision.get('body'))}"
    if rule:
        sentence += f": правило «{title}» ({rule})" if title != rule else f": правило {rule}"
    found = matched_words(decision.get("explanation") or [], rule)
    if found:
        sentence += ", найдено: " + ", ".join(f"«{w}»" for w in found)
    return sentence


def matched_words(explanation: list, rule: str | None) -> list[str]:
    """The words of the text that made the route rule fire; else those the topic lexicon found."""
    for stage in explanation:
        for fired in stage.get("fired") or []:
            if fired.get("rule") != rule:
                continue
            for condition in fired.get("conditions") or []:
                if condition.get("fact") in ("lemmas", "text", "words") and condition.get("actual"):
                    actual = condition["actual"]
                    return list(actual) if isinstance(actual, list) else [str(actual)]
    for stage in explanation:
        matched = (stage.get("classification") or {}).get("matched")
        if matched:
            return list(matched)
    return []


def rule_title(description: str | None) -> str | None:
    """A rule's short name: its description up to the dash that names the executor."""
    if not description:
        return None
    return description.split(" — ", 1)[0].strip() or None


def did_you_mean(code: str | None, known, names: Mapping[str, str] | None = None) -> str:
    """«; возможно, имелось в виду biysk-admin («Администрация города Бийска»)» for a misspelt id, the closest
    known one (with its name when ``names`` has it); empty when nothing is close."""
    from difflib import get_close_matches

    if not isinstance(code, str) or not code:
        return ""
    found = get_close_matches(code, sorted(str(k) for k in known), n=1, cutoff=0.6)
    if not found:
        return ""
    name = (names or {}).get(found[0])
    return f"; возможно, имелось в виду {found[0]}" + (f" («{name}»)" if name and name != found[0] else "")
