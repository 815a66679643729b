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
    "answer_review": "ответ на проверке в ЦУР",
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
    # the centre checks answers of appeals on control
    "approve_answer": "Одобрить и опубликовать ответ",
    "return_answer": "Вернуть ответ на доработку",
    "put_on_control": "Поставить на контроль ЦУР",
    "release_control": "Снять с контроля ЦУР",
}

# an official's answer: a draft under the centre's review, returned with remarks, published, withdrawn
ANSWER_STATUS_NAMES = {
    "review": "на проверке",
    "returned": "возвращён на доработку",
    "published": "опубликован",
    "withdrawn": "отозван",
}
ANSWER_KIND_NAMES = {"interim": "промежуточный", "final": "по существу"}

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
    # mass incidents (engine.services.incidents, incident_actions)
    "appeal.joined_incident": "Объединено в массовый инцидент",
    "incident.priority_raised": "Приоритет инцидента повышен по числу авторов",
    "appeal.detached_from_incident": "Откреплено от массового инцидента",
    "alert.acknowledged": "Оповещение принято",
    "alert.digested": "Оповещение включено в сводку после перерыва",
    "appeals.exported": "Выгружен список обращений",
    "clock.started": "Запущен срок",
    "clock.paused": "Срок приостановлен",
    "clock.resumed": "Срок возобновлён",
    "clock.extended": "Срок продлён",
    "clock.stopped": "Срок остановлен",
    "clock.author_notified": "Автору направлено уведомление",
    "appeal.follow_up": "Автор ответил в канале обращения",
    "appeal.author_message": "Сообщение автора в канале обращения",
    # messages to the resident (engine.services.replies, reply_delivery)
    "reply.queued": "Сообщение автору подготовлено к отправке",
    "reply.sent": "Ответ автору опубликован",
    "reply.retry": "Сообщение автору пока не доставлено, будет повтор",
    "reply.dead": "Сообщение автору не доставлено",
    "reply.switched_off": "Сообщение автору не отправляется",
    "reply.requeued": "Сообщение автору поставлено на повторную отправку",
    "reply.published_by_hand": "Опубликовано вручную",
    "reply.cancelled": "Сообщение автору отозвано",
    # the watch of public VK walls (engine.services.monitor_marks)
    "monitor.not_an_appeal": "Отмечено «не обращение»",
    "monitor.not_an_appeal_undone": "Отметка «не обращение» снята",
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
    "generic": "внешняя система",
    "monitor": "мониторинг соцсетей",
}

# alerts that are not a step of a ladder (the ladders' own levels are named in rules/escalation.yaml)
LEVEL_NAMES = {
    "dead-letter": "Уведомление не доставлено",
    "daily-digest": "Ежедневная сводка просрочек",
    "catch-up": "Сводка после перерыва в оповещениях",
    "author-message": "Сообщение автора обращения",
    "calendar": "Нет производственного календаря на следующий год",
    "answer-review": "Ответ ждёт проверки ЦУР",
    "answer-returned": "Ответ возвращён на доработку",
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

# --- what staff pages show besides the above: roles of logins, states, regimes, rule-version actions,
# the fields of an audit record, time zones, who did something
EVENT_NAMES.update({
    "appeal.routing_failed": "Ошибка маршрутизации, будет повтор",
    "appeal.edited_in_channel": "Автор изменил текст в канале",
    "appeal.deleted_in_channel": "Автор удалил сообщение в канале",
    "clock.breached": "Срок нарушен",
    "clock.restarted": "Срок начат заново",
    "clock.recomputed": "Срок пересчитан",
    "alert.pending": "Оповещение поставлено в очередь",
    "alert.sent": "Оповещение отправлено",
    "alert.retry": "Оповещение не отправлено, будет повтор",
    "alert.dead": "Оповещение не доставлено",
    "alert.no_recipient": "Некого оповестить",
    "alert.repeats_stopped": "Повторы оповещения остановлены",
    "alert.superseded": "Оповещение заменено более высоким уровнем",
    "rules.published": "Правила опубликованы",
    "rules.rolled_back": "Правила возвращены к прежней версии",
    "rules.adopted": "Правила из папки сохранены как версия 0",
    "directory.imported": "Справочник загружен",
})

STAFF_ROLE_NAMES = {
    "channel": "канал приёма",
    "official": "сотрудник органа",
    "manager": "руководитель",
    "policy": "методист правил",
    "admin": "администратор",
    "curator": "куратор",
}

CLOCK_STATE_NAMES = {
    "running": "идёт",
    "paused": "на паузе",
    "stopped": "остановлен",
    "pending": "ждёт промежуточного ответа",
}

ALERT_STATUS_NAMES = {
    "pending": "ждёт отправки",
    "sent": "отправлено",
    "dead": "не доставлено",
    "superseded": "заменено более высоким уровнем",
    "digested": "включено в сводку после перерыва",
}

REGIME_NAMES = {
    "fz59": "обращение по 59-ФЗ",
    "portal_message": "сообщение на платформе обратной связи",
    "incident": "инцидент",
    "other": "прочее",
}

# an appeal's priority (engine.domain.vocabulary.PRIORITIES), as the staff search and exports show it
PRIORITY_NAMES = {
    "low": "низкий",
    "normal": "обычный",
    "high": "высокий",
    "critical": "критический",
}

# how a rules version became active (engine.store.rule_versions)
RULE_ACTIVATION_NAMES = {
    "initial": "исходные правила из папки",
    "publish": "публикация",
    "rollback": "откат",
}

# the fields of an audit record (an event's details) and of a rule, as staff read them
FIELD_NAMES = {
    # mass incidents (engine.services.incidents)
    "incident": "массовый инцидент",
    "lead": "первое обращение инцидента",
    "reasons": "почему объединено",
    "inherited": "получено от инцидента",
    "authors": "разных авторов",
    "comment": "комментарий",
    "reason": "причина",
    "reason_text": "основание",
    "late_reason": "причина опоздания",
    "kind": "вид",
    "text": "текст",
    "clock": "срок",
    "clocks_stopped": "остановлены сроки",
    "clocks_started": "запущены сроки",
    "clocks_paused": "приостановлены сроки",
    "clocks_resumed": "возобновлены сроки",
    "clocks_restarted": "начаты заново сроки",
    "without_interim": "без промежуточного ответа",
    "official": "исполнитель",
    "body": "орган",
    "from_body": "прежний орган",
    "role": "роль",
    "from_role": "прежняя роль",
    "priority": "приоритет",
    "from_priority": "прежний приоритет",
    "rule": "правило",
    "from_rule": "прежнее правило",
    "rule_ids": "сработавшие правила",
    "version": "версия правил",
    "from_version": "прежняя версия правил",
    "changed": "исполнитель изменился",
    "days": "дней",
    "due": "срок до",
    "due_utc": "срок до",
    "status": "состояние",
    "channel": "канал",
    "external_id": "номер в канале",
    "topic": "тема",
    "policy": "политика сроков",
    "level": "уровень",
    "recipient": "получатель",
    "recipient_role": "кому",
    "alert": "оповещение №",
    "author_notice": "уведомление автору",
    "author_notice_required": "нужно уведомить автора (ст. 8 59-ФЗ)",
    "error": "ошибка",
    "attempts": "попыток",
    "municipality": "территория",
    "regime": "режим",
    "address": "адрес",
    "subtopic": "подтема",
    "assign": "назначить",
    "when": "условия",
    "then": "действия",
    "description": "описание",
    "id": "идентификатор",
    "deadline_policy": "политика сроков",
    "tags": "метки",
    "notify_now": "немедленно оповестить",
    "special": "особый случай 59-ФЗ",
    "fz59": "59-ФЗ",
    "simulation": "симуляция №",
    "appeals": "обращений",
    # the centre's review of answers to appeals on control
    "answer_id": "ответ №",
    "review": "направлен на проверку ЦУР",
    "remarks": "замечания ЦУР",
    "written_by": "автор ответа",
    "edited": "исправлен при проверке",
    # an alert accepted by the link of its e-mail, or listed in a catch-up letter
    "via": "как принято",
    "letter": "в сводке, оповещение №",
    "superseded": "уровень пропущен",
    # a message to the author (the reply outbox's audit)
    "message": "сообщение №",
    "message_kind": "вид сообщения",
    "author_message": "сообщение автору №",
    "on_time": "в срок",
    "on_control": "на контроле ЦУР",
    "control": "на контроле ЦУР",  # a rule's outcome, and a field of a simulation's report
    "fz59_special": "особый случай 59-ФЗ",
    "answer_withdrawn": "отозван ответ №",
    "repeat": "повтор №",
    "repeat_count": "повторов",
    "requested_role": "адресовано роли",
    "deputy_for": "замещает",
    "vacant": "вакантные роли",
    "due_before": "срок был до",
    "due_at": "срок до",
    "started_at": "начат",
    "started_before": "был начат",
    "stopped_before": "был остановлен",
    "amount": "срок, единиц",
    "amount_before": "было единиц",
    "extension_days_before": "дней продления было",
    "max_extension_days": "продление не более, дней",
    "waits_for": "ждёт",
    "why": "почему",
    "route": "путь",
    "platform_id": "номер на площадке",
    "reopened": "возвращено в работу",
    "reopens": "возвращает в работу",
    "next_check_at": "следующая проверка",
    "next_level": "следующий уровень",
    "receipt": "получение",
    "registration": "регистрация",
    "on_non_working": "в нерабочее время",
    # messages to the resident (engine.services.replies, reply_delivery)
    "retry_at": "повтор после",
}

# IANA zones of the region's bodies, named as people say them; another zone is shown by its IANA name
ZONE_NAMES = {
    "Asia/Barnaul": "барнаульское время",
    "Asia/Novosibirsk": "новосибирское время",
    "Asia/Omsk": "омское время",
    "Asia/Krasnoyarsk": "красноярское время",
    "Asia/Novokuznetsk": "кемеровское время",
    "Europe/Moscow": "московское время",
    "UTC": "всемирное координированное время",
}

# who did something, when it is not a person: the audit's fixed actors
ACTOR_NAMES = {
    "system": "система",
    "test": "система",
    "admin": "администратор (командная строка)",
    "cli": "командная строка",
    "demo": "демонстрационные данные",
    "APPEALS_VK_SERVICE_TOKEN": "переменная окружения APPEALS_VK_SERVICE_TOKEN",  # the VK service key from it
}

# how an alert was acknowledged, when not on a staff page
ACKNOWLEDGED_VIA_NAMES = {
    "email-link": "по ссылке «Принять» из письма",
}

INCIDENT_STATUS_NAMES = {"open": "открыт", "closed": "закрыт"}

# an API token's and a staff login's state, as the administrator's listings show them
TOKEN_STATE_NAMES = {"active": "действует", "expired": "истёк", "revoked": "отозван"}
LOGIN_STATE_NAMES = {"active": "действует", "disabled": "отключён"}

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
    "answer_status": ANSWER_STATUS_NAMES,
    "answer_kind": ANSWER_KIND_NAMES,
    "staff_role": STAFF_ROLE_NAMES,
    "clock_state": CLOCK_STATE_NAMES,
    "alert_status": ALERT_STATUS_NAMES,
    "acknowledged_via": ACKNOWLEDGED_VIA_NAMES,
    "regime": REGIME_NAMES,
    "priority": PRIORITY_NAMES,
    "rule_activation": RULE_ACTIVATION_NAMES,
    "field": FIELD_NAMES,
    "zone": ZONE_NAMES,
    "actor": ACTOR_NAMES,
    "incident_status": INCIDENT_STATUS_NAMES,
    "token_state": TOKEN_STATE_NAMES,
    "login_state": LOGIN_STATE_NAMES,
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
            title, name = self("event", kind), self("clock", clock)
            if not clock:
                return title
            if title.endswith(" срок") and name.startswith("срок "):  # «Запущен срок» + «срок ответа»
                return f"{title} {name.removeprefix('срок ')}"
            return f"{title}: {name}"
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
