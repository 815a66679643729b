"""The rule language's vocabulary: facts, operators and outcomes (a rule's then), declared in code.

Anything a rule file names that is not declared here fails at load time.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.domain.vocabulary import AUTHOR_TYPES, FZ59_SPECIALS, PRIORITIES, REGIMES, URGENCIES

HIT_POLICY_DESCRIPTIONS = {
    "first": "Срабатывает первое подходящее правило (по порядку в файлах этапа)",
    "priority": "Срабатывает подходящее правило с наибольшим priority (число у каждого правила, без повторов)",
    "collect": "Срабатывают все подходящие правила; их действия складываются",
}
HIT_POLICIES = tuple(HIT_POLICY_DESCRIPTIONS)
DEFAULT_TOPICS = (
    "housing",
    "waste",
    "energy",
    "education",
    "health",
    "roads",
    "transport",
    "social",
    "labour",
    "other",
)

# Regular expressions are never applied to more than this many bytes of UTF-8 text.
MAX_MATCH_BYTES = 65_535
MAX_PATTERN_LENGTH = 256


def cap_bytes(text: str, limit: int = MAX_MATCH_BYTES) -> str:
    """The longest prefix of text whose UTF-8 encoding fits in limit bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


# Russian names of a fact's type and of an operator's value, for policy staff.
TYPE_LABELS = {"str": "строка", "int": "целое число", "bool": "да/нет (true, false)", "list": "список строк"}
VALUE_LABELS = {
    "scalar": "одно значение",
    "scalars": "список значений",
    "number": "число",
    "none": "без value",
    "strings": "слово или список слов",
    "phrase": "фраза (слова через пробел)",
    "pattern": "регулярное выражение",
}


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str  # "str" | "int" | "bool" | "list"
    description: str
    values: tuple[object, ...] | None = None  # closed set of allowed values, if any
    minimum: int | None = None
    maximum: int | None = None
    engine: bool = True  # False: evaluated before the engine only (never sent to it)


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    fact_types: tuple[str, ...]
    value: str  # "scalar" | "scalars" | "number" | "none" | "strings" | "phrase" | "pattern"
    description: str


@dataclass(frozen=True)
class OutcomeSpec:
    name: str
    description: str


FACTS: dict[str, FactSpec] = {
    f.name: f
    for f in (
        FactSpec("channel", "str", "Канал поступления (vk, telegram, pos, open311, email, hotline…)"),
        FactSpec("regime", "str", "Режим сроков: " + ", ".join(REGIMES), REGIMES),
        FactSpec("topic", "str", "Тема (отраслевой блок): из категории канала или из классификации"),
        FactSpec("subtopic", "str", "Подтема (например, migration)"),
        FactSpec("category", "str", "Категория, указанная каналом (ПОС, Open311 service_code)"),
        FactSpec("subcategory", "str", "Подкатегория, указанная каналом"),
        FactSpec("municipality", "str", "Муниципальное образование (id из справочника)"),
        FactSpec("author_type", "str", "Тип автора", AUTHOR_TYPES),
        FactSpec("urgency", "str", "Срочность, указанная каналом", URGENCIES),
        FactSpec("priority", "str", "Текущий приоритет (после правил классификации)", PRIORITIES),
        FactSpec("tags", "list", "Метки (список; после правил классификации)"),
        FactSpec("lemmas", "list", "Леммы текста (все нормальные формы каждого слова, ё→е)"),
        FactSpec("words", "list", "Слова текста по порядку, в нижнем регистре, ё→е"),
        FactSpec("text", "str", "Текст обращения (только для оператора matches)", engine=False),
        FactSpec("text_length", "int", "Длина текста в символах", minimum=0),
        FactSpec("attachment_count", "int", "Число вложений", minimum=0),
        FactSpec("repeat_count", "int", "Число прежних обращений того же автора (по умолчанию 0)", minimum=0),
        FactSpec("weekday", "int", "День недели поступления, местное время (1 = пн … 7 = вс)", minimum=1, maximum=7),
        FactSpec("hour", "int", "Час поступления, местное время (0–23)", minimum=0, maximum=23),
        FactSpec("working_time", "bool", "Поступило в рабочее время (может отсутствовать)"),
        FactSpec("body", "str", "Ответственный орган (после этапа маршрутизации)"),
        FactSpec("status", "str", "Статус обращения"),
        FactSpec("fz59", "bool", "Обращение по 59-ФЗ"),
    )
}

# Facts that always exist in an evaluated document (defaults applied before evaluation).
DEFAULTS: dict[str, object] = {"repeat_count": 0, "tags": [], "lemmas": [], "words": []}

OPERATORS: dict[str, OperatorSpec] = {
    o.name: o
    for o in (
        OperatorSpec("equals", ("str", "int", "bool"), "scalar", "Равно значению"),
        OperatorSpec("not_equals", ("str", "int", "bool"), "scalar", "Есть и не равно значению"),
        OperatorSpec("in", ("str", "int"), "scalars", "Равно одному из значений"),
        OperatorSpec("not_in", ("str", "int"), "scalars", "Есть и не равно ни одному из значений"),
        OperatorSpec("lt", ("int",), "number", "Меньше"),
        OperatorSpec("lte", ("int",), "number", "Меньше или равно"),
        OperatorSpec("gt", ("int",), "number", "Больше"),
        OperatorSpec("gte", ("int",), "number", "Больше или равно"),
        OperatorSpec("exists", ("str", "int", "bool"), "none", "Факт известен"),
        OperatorSpec("not_exists", ("str", "int", "bool"), "none", "Факт неизвестен"),
        OperatorSpec("has_any", ("list",), "strings", "Список содержит хотя бы одно из значений"),
        OperatorSpec("has_all", ("list",), "strings", "Список содержит все значения"),
        OperatorSpec("phrase", ("list",), "phrase", "Слова фразы идут подряд (по словам или леммам)"),
        OperatorSpec("matches", ("str", "list"), "pattern", "Регулярное выражение (поиск, без учёта регистра)"),
    )
}

# Operators evaluated in Python before the engine; the engine sees their outcome as a flag.
PREPASS_OPERATORS = frozenset({"phrase", "matches"})
PHRASE_FACTS = ("lemmas", "words")

OUTCOMES: dict[str, OutcomeSpec] = {
    a.name: a
    for a in (
        OutcomeSpec("assign", "Назначить {body, role} (роль по умолчанию executor) или {official}"),
        OutcomeSpec("deadline_policy", "Политика сроков (id)"),
        OutcomeSpec("priority", "Приоритет: low, normal, high, critical (побеждает наивысший)"),
        OutcomeSpec("add_tags", "Добавить метки"),
        OutcomeSpec("set_topic", "Установить тему: topic или {topic, subtopic}"),
        OutcomeSpec("notify_now", "Немедленно уведомить роли (список)"),
        OutcomeSpec("fz59_special", "Особый случай 59-ФЗ: " + ", ".join(FZ59_SPECIALS)),
        OutcomeSpec("control", "Поставить обращение на контроль ЦУР (true): ответ исполнителя публикуется "
                               "автору только после проверки куратором, руководителем или администратором"),
        OutcomeSpec("set_sector", "Отраслевой блок ЦУР (код из directory.yaml, sectors) вместо блока темы и органа"),
    )
}


def fact_table(facts: dict[str, FactSpec] | None = None) -> list[dict[str, str]]:
    """The fact vocabulary (default: the routing rules') as table rows (name, type, values, description)."""
    rows = []
    for spec in (FACTS if facts is None else facts).values():
        if spec.values:
            allowed = ", ".join(str(v) for v in spec.values)
        elif spec.minimum is not None or spec.maximum is not None:
            lo = "" if spec.minimum is None else str(spec.minimum)
            hi = "" if spec.maximum is None else str(spec.maximum)
            allowed = f"{lo}..{hi}"
        else:
            allowed = ""
        rows.append({"name": spec.name, "type": spec.type, "values": allowed, "description": spec.description})
    return rows


def operator_table() -> list[dict[str, str]]:
    return [
        {"name": o.name, "facts": "/".join(o.fact_types), "value": o.value, "description": o.description}
        for o in OPERATORS.values()
    ]


def outcome_table() -> list[dict[str, str]]:
    return [{"name": a.name, "description": a.description} for a in OUTCOMES.values()]
