"""What is said to the resident, as rules data (``rules/replies.yaml``): a Russian template per kind of
message, and when a kind is not sent at all (switched off per regime, channel kind, route or author type).

A template names its fields in braces (``{appeal_id}``, ``{body_name}``, ``{due_date}`` …). Which fields a
kind may use is fixed here (``FIELDS``); a template naming any other field, or asking for more than a plain
field (``{body.name}``, ``{x[0]}``, ``{due_date!r}``, ``{appeal_id:>9}``), fails at load time with the file,
the kind and the field. Rendering is ``str.format_map`` over the known fields, whose values are plain
strings: what a resident or an official wrote is a value, never a template, so nothing in it is read.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from .vocabulary import AUTHOR_TYPES, REGIMES

KINDS = ("acknowledgement", "forwarded", "extended", "clarification", "interim_answer", "final_answer", "rejected")

COMMON = ("appeal_id", "body_name", "due_date", "received_date")
FIELDS: dict[str, tuple[str, ...]] = {
    "acknowledgement": COMMON,
    "forwarded": (*COMMON, "previous_body_name", "reason"),
    "extended": (*COMMON, "days", "reason"),
    "clarification": (*COMMON, "question"),
    "interim_answer": (*COMMON, "answer"),
    "final_answer": (*COMMON, "answer"),
    "rejected": (*COMMON, "reason", "comment"),
}

CHANNEL_KINDS = ("vk", "telegram", "open311", "generic")
ROUTES = ("vk_comment", "vk_message", "telegram", "email", "callback", "open311", "manual")
CONDITIONS: dict[str, tuple[str, ...] | None] = {  # None: any value (a channel's own name)
    "regime": REGIMES,
    "channel": CHANNEL_KINDS,
    "channel_name": None,
    "route": ROUTES,
    "author_type": AUTHOR_TYPES,
}
TEMPLATE_KEYS = ("text", "subject", "switch_off", "variants")
VARIANT_KEYS = ("when", "text", "subject")
SWITCH_OFF_KEYS = ("when", "why")


class ReplyTemplateError(ValueError):
    """rules/replies.yaml cannot be used; the message names the file, the kind and the field."""


@dataclass(frozen=True)
class SwitchOff:
    when: Mapping[str, frozenset[str]]  # condition → the values it matches (all conditions must match)
    why: str

    def matches(self, facts: Mapping[str, str | None]) -> bool:
        return all(facts.get(name) in values for name, values in self.when.items())


@dataclass(frozen=True)
class Variant:
    """Another wording of the kind for appeals whose facts match (an incident is not cited 59-ФЗ)."""

    when: Mapping[str, frozenset[str]]
    text: str
    subject: str | None

    def matches(self, facts: Mapping[str, str | None]) -> bool:
        return all(facts.get(name) in values for name, values in self.when.items())


@dataclass(frozen=True)
class ReplyTemplate:
    kind: str
    text: str
    subject: str | None
    off: tuple[SwitchOff, ...]
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Rendered:
    kind: str
    text: str
    subject: str | None


@dataclass(frozen=True)
class ReplyTemplates:
    file: str
    templates: Mapping[str, ReplyTemplate]

    def switched_off(self, kind: str, facts: Mapping[str, str | None]) -> str | None:
        """Why this kind is not sent for an appeal with these facts (regime, channel kind, channel_name, route,
        author_type); None when it is sent. A kind without a template is never sent."""
        template = self.templates.get(kind)
        if template is None:
            return f"в {self.file} нет шаблона «{kind}»"
        return next((rule.why for rule in template.off if rule.matches(facts)), None)

    def render(self, kind: str, fields: Mapping[str, object], facts: Mapping[str, str | None] | None = None
               ) -> Rendered:
        """The kind's text (its first variant matching ``facts``, else its own) with its fields; a field not
        given is left empty, never read from anywhere else."""
        template = self.templates[kind]
        variant = next((v for v in template.variants if facts is not None and v.matches(facts)), None)
        text, subject = (variant.text, variant.subject or template.subject) if variant else \
            (template.text, template.subject)
        values = {name: _plain(fields.get(name)) for name in FIELDS[kind]}
        return Rendered(kind, text.format_map(values).strip(), subject.format_map(values).strip() if subject else None)


def common_fields(appeal_id: int, body_name: str | None, due: datetime | None, received: datetime | None,
                  zone: tzinfo) -> dict[str, str]:
    """The fields every kind may use; dates in the body's zone, written as Russians write them (11.01.2027)."""
    return {
        "appeal_id": str(appeal_id),
        "body_name": body_name or "",
        "due_date": f"{due.astimezone(zone):%d.%m.%Y}" if due else "",
        "received_date": f"{received.astimezone(zone):%d.%m.%Y}" if received else "",
    }


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def templates_from_document(doc: object, file: str = "replies.yaml") -> ReplyTemplates:
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), dict):
        raise ReplyTemplateError(f"{file}: поле messages: нужен словарь «вид сообщения: шаблон»")
    extra = sorted(set(doc) - {"messages"})
    if extra:
        raise ReplyTemplateError(f"{file}: поле {extra[0]}: неизвестное поле; в файле есть только messages")
    templates = {}
    for kind, spec in doc["messages"].items():
        if kind not in KINDS:
            raise ReplyTemplateError(f"{file}: {kind}: неизвестный вид сообщения; возможны: {', '.join(KINDS)}")
        templates[kind] = _template(file, kind, spec)
    return ReplyTemplates(file, templates)


def _template(file: str, kind: str, spec: object) -> ReplyTemplate:
    where = f"{file}: {kind}"
    if not isinstance(spec, dict):
        raise ReplyTemplateError(f"{where}: нужен словарь с полями {', '.join(TEMPLATE_KEYS)}")
    extra = sorted(set(spec) - set(TEMPLATE_KEYS))
    if extra:
        raise ReplyTemplateError(f"{where}: поле {extra[0]}: неизвестное поле; возможны: {', '.join(TEMPLATE_KEYS)}")
    text = spec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ReplyTemplateError(f"{where}: поле text: нужен непустой текст сообщения")
    subject = spec.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise ReplyTemplateError(f"{where}: поле subject: нужен текст темы письма")
    for name, value in (("text", text), ("subject", subject)):
        if value is not None:
            _check_fields(f"{where}: поле {name}", kind, value)
    off = spec.get("switch_off") or []
    if not isinstance(off, list):
        raise ReplyTemplateError(f"{where}: поле switch_off: нужен список условий, при которых сообщение "
                                 "не отправляется")
    rules = tuple(_switch_off(f"{where}: switch_off[{i}]", rule) for i, rule in enumerate(off))
    variants = spec.get("variants") or []
    if not isinstance(variants, list):
        raise ReplyTemplateError(f"{where}: поле variants: нужен список вариантов текста с условиями when")
    return ReplyTemplate(kind, text, subject, rules,
                         tuple(_variant(f"{where}: variants[{i}]", kind, v) for i, v in enumerate(variants)))


def _variant(where: str, kind: str, spec: object) -> Variant:
    if not isinstance(spec, dict) or not isinstance(spec.get("when"), dict) or not spec["when"]:
        raise ReplyTemplateError(f"{where}: нужен словарь с полями when (условия) и text (текст этого варианта)")
    extra = sorted(set(spec) - set(VARIANT_KEYS))
    if extra:
        raise ReplyTemplateError(f"{where}: поле {extra[0]}: неизвестное поле; возможны: {', '.join(VARIANT_KEYS)}")
    text, subject = spec.get("text"), spec.get("subject")
    if not isinstance(text, str) or not text.strip():
        raise ReplyTemplateError(f"{where}: поле text: нужен непустой текст сообщения")
    if subject is not None and not isinstance(subject, str):
        raise ReplyTemplateError(f"{where}: поле subject: нужен текст темы письма")
    for name, value in (("text", text), ("subject", subject)):
        if value is not None:
            _check_fields(f"{where}: поле {name}", kind, value)
    return Variant(_conditions(where, spec["when"]), text, subject)


def _check_fields(where: str, kind: str, template: str) -> None:
    allowed = FIELDS[kind]
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ReplyTemplateError(f"{where}: шаблон не читается ({exc}); фигурная скобка в тексте пишется "
                                 "дважды: {{ и }}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            raise ReplyTemplateError(f"{where}: поле {{{name}}}: неизвестное поле шаблона; возможны: "
                                     + ", ".join(allowed))
        if spec or conversion:
            raise ReplyTemplateError(f"{where}: поле {{{name}}}: в шаблоне только имя поля, без формата и "
                                     "преобразований")


def _switch_off(where: str, rule: object) -> SwitchOff:
    if not isinstance(rule, dict) or not isinstance(rule.get("when"), dict) or not rule["when"]:
        raise ReplyTemplateError(f"{where}: нужен словарь с полями when (условия) и why (почему не отправляем)")
    extra = sorted(set(rule) - set(SWITCH_OFF_KEYS))
    if extra:
        raise ReplyTemplateError(f"{where}: поле {extra[0]}: неизвестное поле; возможны: when, why")
    why = rule.get("why")
    if not isinstance(why, str) or not why.strip():
        raise ReplyTemplateError(f"{where}: поле why: объясните, почему сообщение не отправляется")
    return SwitchOff(_conditions(where, rule["when"]), why.strip())


def _conditions(where: str, given: dict) -> dict[str, frozenset[str]]:
    when = {}
    for name, value in given.items():
        if name not in CONDITIONS:
            raise ReplyTemplateError(f"{where}: поле when.{name}: неизвестное условие; возможны: "
                                     + ", ".join(CONDITIONS))
        allowed = CONDITIONS[name]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str) or (allowed is not None and v not in allowed):
                raise ReplyTemplateError(f"{where}: поле when.{name}: {v!r} не значение условия; возможны: "
                                         + ", ".join(allowed or ("имя канала",)))
        when[name] = frozenset(values)
    return when
