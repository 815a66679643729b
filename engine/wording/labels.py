"""Russian names of the codes people see: statuses, clock kinds, actions, reasons, channels, ladder
levels, timeline events, messages to and from the author (kinds, routes, delivery states) — and,
through the rules folder, bodies, officials, roles, topics, municipalities, deadline policies.

``Labels`` looks a code up by its kind: ``labels("clock", "answer")`` → «срок ответа». The fixed
tables below come first; ``labels_for(policy_set)`` adds the names the rules folder gives (the
directory, the topic lexicon, the deadline policies, the escalation ladders), so a new body or
topic needs no code. A code without a name is shown as it is. A new kind of code is one more
table in ``FIXED`` (or one more entry in ``labels_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

STATUS_NAMES = {
    "received": "получено, ждёт маршрутизации",
    "routed": "направлено, не взято в работу",
    "in_progress": "в работе",
    "awaiting_author": "ждёт уточнения от автора",
    "answered": "дан ответ",
    "rejected": "оставлено без ответа по существу",
    "closed": "закрыто",
}

# a clock is a deadline: its name reads "срок …" and fits both a heading and a sentence
CLOCK_NAMES = {
    "registration": "срок регистрации",
    "forward": "срок направления по компетенции",
    "notice": "срок уведомления автора",
    "first_response": "срок первичного ответа",
    "interim_answer": "срок промежуточного ответа",
    "answer": "срок ответа",
    "final_answer": "срок окончательного ответа",
}

# the deadline regime, as the words that follow a deadline's name: «срок ответа по 59-ФЗ»
REGIME_TERMS = {
    "fz59": "по 59-ФЗ",
}

ACTION_NAMES = {
    "take": "Взять в работу",
    "answer": "Ответить",
    "request_clarification": "Запросить уточнение у автора",
    "resume": "Возобновить (уточнение получено)",
    "extend": "Продлить срок",
    "forward": "Переадресовать по компетенции",
    "reject": "Оставить без ответа по существу",
    "close": "Закрыть",
    "reopen": "Вернуть в работу",
    "reroute": "Перемаршрутизировать по правилам",
}

# Federal Law 59-ФЗ art. 11: when an appeal may be left without an answer on the merits.
REJECT_REASONS = {
    "anonymous": "Не указаны фамилия или почтовый адрес для ответа (ч. 1 ст. 11 59-ФЗ)",
    "court_decision": "Обжалуется судебное решение (ч. 2 ст. 11 59-ФЗ), возврат в течение 7 дней",
    "obscene": "Нецензурные или оскорбительные выражения, угрозы (ч. 3 ст. 11 59-ФЗ)",
    "unreadable": "Текст не поддаётся прочтению (ч. 4 ст. 11 59-ФЗ), уведомление в течение 7 дней",
    "essence_undeterminable": "Невозможно определить суть обращения (ст. 11 59-ФЗ), уведомление в течение 7 дней",
    "repeated": "Повторное обращение без новых доводов, переписка прекращена (ч. 5 ст. 11 59-ФЗ)",
    "already_answered_publicly": "Ответ на вопрос размещён на официальном сайте (ст. 11 59-ФЗ)",
}

# audit events shown on an appeal's timeline; an action's event ("appeal.take") is named by the action
EVENT_NAMES = {
    "appeal.received": "Обращение получено",
    "appeal.routed": "Направлено по правилам",
    "appeal.routing_failed": "Ошибка маршрутизации, будет повтор",
    "alert.acknowledged": "Оповещение принято",
    "clock.started": "Запущен срок",
    "clock.paused": "Срок приостановлен",
    "clock.resumed": "Срок возобновлён",
    "clock.extended": "Срок продлён",
    "clock.stopped": "Срок остановлен",
    "clock.author_notified": "Автору направлено уведомление",
    "appeal.follow_up": "Автор ответил в канале обращения",
    "appeal.author_message": "Сообщение автора в канале обращения",
}

# channels alerts go out by, and the kinds of channels appeals come in by
CHANNEL_NAMES = {
    "email": "электронная почта",
    "telegram": "Telegram",
    "webhook": "вебхук",
    "vk": "ВКонтакте",
    "open311": "Open311",
    "portal": "Платформа обратной связи Госуслуг",
    "hotline": "горячая линия",
}

# alerts that are not a step of a ladder (the ladders' own levels are named in rules/escalation.yaml)
LEVEL_NAMES = {
    "dead-letter": "Уведомление не доставлено",
    "daily-digest": "Ежедневная сводка просрочек",
    "author-message": "Сообщение автора обращения",
    "calendar": "Нет производственного календаря на следующий год",
}

# the conversation with the resident: kinds of messages to and from the author, how each travels, its state
MESSAGE_KIND_NAMES = {
    "acknowledgement": "Уведомление о приёме",
    "forwarded": "Уведомление о переадресации (ст. 8 59-ФЗ)",
    "extended": "Уведомление о продлении срока (ст. 12 59-ФЗ)",
    "clarification": "Запрос уточнения",
    "interim_answer": "Промежуточный ответ",
    "final_answer": "Ответ по существу",
    "rejected": "Уведомление об оставлении без ответа (ст. 11 59-ФЗ)",
    "follow_up": "Автор не удовлетворён ответом",
    "author_message": "Сообщение автора",
}

ROUTE_NAMES = {
    "vk_comment": "ВКонтакте, комментарий",
    "vk_message": "ВКонтакте, личное сообщение",
    "telegram": "Telegram",
    "email": "электронная почта",
    "callback": "вызов адреса канала",
    "open311": "Open311 (статус заявки)",
    "manual": "вручную, оператором",
}

MESSAGE_STATUS_NAMES = {
    "pending": "ждёт отправки",
    "sent": "отправлено",
    "dead": "не доставлено",
    "received": "получено от автора",
    "manual": "отправить вручную",
    "cancelled": "отменено",
}

FIXED: dict[str, Mapping[str, str]] = {
    "status": STATUS_NAMES,
    "clock": CLOCK_NAMES,
    "regime_term": REGIME_TERMS,
    "action": ACTION_NAMES,
    "reject_reason": REJECT_REASONS,
    "event": EVENT_NAMES,
    "channel": CHANNEL_NAMES,
    "level": LEVEL_NAMES,
    "message_kind": MESSAGE_KIND_NAMES,
    "route": ROUTE_NAMES,
    "message_status": MESSAGE_STATUS_NAMES,
}


@dataclass(frozen=True)
class Labels:
    """Code → Russian name, by kind of code (see the module's docstring)."""

    tables: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: dict(FIXED))

    def __call__(self, kind: str, code: str | None) -> str:
        if code is None:
            return ""
        return self.tables.get(kind, {}).get(code) or str(code)

    def has(self, kind: str, code: str | None) -> bool:
        return code in self.tables.get(kind, {})

    def with_tables(self, tables: Mapping[str, Mapping[str, str]]) -> Labels:
        """These labels with more names; for a code in both, the fixed name wins."""
        merged = {kind: dict(names) for kind, names in tables.items()}
        for kind, names in self.tables.items():
            merged[kind] = {**merged.get(kind, {}), **names}
        return Labels(merged)

    def event(self, kind: str, details: dict | None = None) -> str:
        """The title of an audit event on an appeal's timeline; a clock event names its clock."""
        if kind in self.tables.get("event", {}):
            clock = (details or {}).get("clock") if kind.startswith("clock.") else None
            return f"{self('event', kind)}: {clock}" if clock else self("event", kind)
        action = kind.removeprefix("appeal.")
        return self("action", action) if self.has("action", action) else kind

    def deadline(self, clock_kind: str, policy_id: str | None) -> str:
        """A clock's deadline in words: «срок ответа по 59-ФЗ», «срок первичного ответа по политике
        «Инцидент из социальных сетей»»."""
        name = self("clock", clock_kind)
        if policy_id is None:
            return name
        regime = self.tables.get("policy_regime", {}).get(policy_id)
        if regime in self.tables.get("regime_term", {}):
            return f"{name} {self('regime_term', regime)}"
        return f"{name} по политике «{self('policy', policy_id)}»"


LABELS = Labels()


def labels_for(policy_set) -> Labels:
    """The fixed labels with the names of one policy set: bodies, officials, roles, sectors and
    municipalities of the directory; topics of the lexicon; deadline policies (and their regimes);
    ladder levels (a level id named differently by two ladders keeps the first name)."""
    directory = policy_set.directory
    reader = getattr(policy_set, "reader", None)
    topics = {code: topic.name for code, topic in reader.lexicon.topics.items()} if reader else {}
    levels: dict[str, str] = {}
    for ladder in policy_set.ladders:
        for level in ladder.levels:
            levels.setdefault(level.id, level.title or level.id)
    return LABELS.with_tables({
        "body": {body_id: body.name for body_id, body in directory.bodies.items()},
        "official": {official_id: official.name for official_id, official in directory.officials.items()},
        "role": dict(directory.roles),
        "sector": dict(directory.sectors),
        "municipality": dict(directory.municipalities),
        "topic": {**directory.sectors, **topics},  # the topic lexicon's name, else the sector's of that code
        "policy": {policy_id: policy.title or policy_id for policy_id, policy in policy_set.policies.items()},
        "policy_regime": {policy_id: policy.regime for policy_id, policy in policy_set.policies.items()},
        "level": levels,
    })
