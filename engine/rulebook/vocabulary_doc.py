"""The vocabulary section of ``rules/README.md``, generated from the vocabulary in code.

Facts, operators, a rule's outcomes (its ``then``; «действия правила (then)» for policy staff),
hit policies and the facts of the escalation ladder selection rules, each with its Russian
description, and one worked example for every operator and every outcome. ``appeals rules
vocabulary --markdown`` prints the section; ``--write rules/README.md`` puts it between the
markers; a test fails when the committed README differs from what this module gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from engine.domain.deadlines import CLOCK_KINDS
from engine.domain.reply_templates import CONDITIONS, FIELDS, KINDS
from engine.wording.labels import MESSAGE_KIND_NAMES

from .first_match import ladder_facts
from .vocabulary import (
    DEFAULT_TOPICS,
    HIT_POLICY_DESCRIPTIONS,
    OPERATORS,
    OUTCOMES,
    TYPE_LABELS,
    VALUE_LABELS,
    fact_table,
    outcome_table,
)

BEGIN = "<!-- словарь: начало; этот раздел создаёт `appeals rules vocabulary --markdown`, не правьте его руками -->"
END = "<!-- словарь: конец -->"


@dataclass(frozen=True)
class Example:
    """A condition (``when``) or outcome (``then``) as written in a rule file, what it says, and
    for a condition: facts (as in a case's ``given``) it holds for and facts it does not."""

    text: str
    says: str
    fires: dict | None = None
    misses: dict | None = None


OPERATOR_EXAMPLES: dict[str, Example] = {
    "equals": Example("{fact: municipality, op: equals, value: barnaul}", "Обращение из Барнаула.",
                      {"municipality": "barnaul"}, {"municipality": "biysk"}),
    "not_equals": Example("{fact: regime, op: not_equals, value: fz59}",
                          "Режим сроков известен и это не 59-ФЗ; если режима нет, условие ложно.",
                          {"regime": "incident"}, {}),
    "in": Example("{fact: priority, op: in, value: [high, critical]}", "Приоритет высокий или критический.",
                  {"priority": "critical"}, {"priority": "normal"}),
    "not_in": Example("{fact: channel, op: not_in, value: [email, hotline]}",
                      "Канал известен, и это не почта и не горячая линия.", {"channel": "vk"}, {"channel": "email"}),
    "lt": Example("{fact: text_length, op: lt, value: 20}", "Текст короче 20 символов.",
                  {"text_length": 12}, {"text_length": 20}),
    "lte": Example("{fact: hour, op: lte, value: 8}", "Поступило до 9 утра по местному времени (час 0–8).",
                   {"hour": 8}, {"hour": 9}),
    "gt": Example("{fact: attachment_count, op: gt, value: 0}", "К обращению приложены файлы.",
                  {"attachment_count": 2}, {"attachment_count": 0}),
    "gte": Example("{fact: repeat_count, op: gte, value: 2}", "Автор уже писал два раза или больше.",
                   {"repeat_count": 2}, {"repeat_count": 1}),
    "exists": Example("{fact: municipality, op: exists}", "Муниципалитет определён (каналом или по тексту).",
                      {"municipality": "biysk"}, {}),
    "not_exists": Example("{fact: urgency, op: not_exists}", "Канал не указал срочность.",
                          {}, {"urgency": "high"}),
    "has_any": Example("{fact: lemmas, op: has_any, value: [яма, выбоина, провал]}",
                       "В тексте есть хотя бы одно из слов в любой форме («ямы», «выбоину»…).",
                       {"text": "На дороге огромные ямы"}, {"text": "Не убран снег"}),
    "has_all": Example("{fact: tags, op: has_all, value: [utility-outage, mass-incident]}",
                       "У обращения есть обе метки: авария коммунальных сетей и массовый инцидент.",
                       {"tags": ["utility-outage", "mass-incident"]}, {"tags": ["utility-outage"]}),
    "phrase": Example("{fact: lemmas, op: phrase, value: горячая вода}",
                      "Слова идут подряд, в любой форме: «нет горячей воды» подходит, «вода горячая» — нет.",
                      {"text": "Третий день нет горячей воды"}, {"text": "Вода из крана идёт горячая"}),
    "matches": Example("{fact: text, op: matches, value: '\\d+ (дн|недел)'}",
                       "Регулярное выражение находится в тексте (без учёта регистра): «уже 5 дней».",
                       {"text": "Жалуюсь уже 5 дней"}, {"text": "Жалуюсь давно"}),
}

OUTCOME_EXAMPLES: dict[str, Example] = {
    "assign": Example("{assign: {body: barnaul-roads-committee, role: executor}}",
                      "Ответственный — Комитет по дорожному хозяйству Барнаула, роль «исполнитель». Вместо "
                      "органа и роли можно назначить конкретное лицо: `{assign: {official: orlov-dm}}`."),
    "deadline_policy": Example("{deadline_policy: fz59-migration}",
                               "Сроки — по политике fz59-migration из deadline_policies.yaml."),
    "priority": Example("{priority: high}",
                        "Приоритет «высокий»; если несколько правил ставят приоритет, побеждает наивысший."),
    "add_tags": Example("{add_tags: [utility-outage]}",
                        "Добавить метку utility-outage (метки видят следующие этапы и сотрудники)."),
    "set_topic": Example("{set_topic: {topic: roads, subtopic: pits}}", "Тема «дороги», подтема «ямы»."),
    "notify_now": Example("{notify_now: [head_of_body]}",
                          "Сразу уведомить руководителя ответственного органа, не дожидаясь эскалации."),
    "fz59_special": Example("{fz59_special: anonymous}",
                            "Особый случай 59-ФЗ «анонимное»: часы ответа не запускаются (см. special_outcomes "
                            "политики в deadline_policies.yaml)."),
    "control": Example("{control: true}",
                       "Обращение на контроле ЦУР: ответ исполнителя (промежуточный или по существу) становится "
                       "черновиком, автор получает его только после одобрения куратором, руководителем или "
                       "администратором; возвращённый ответ уходит исполнителю с замечаниями."),
    "set_sector": Example("{set_sector: energy}",
                          "Обращение относится к блоку «энергетика»: его видит и о нём получает оповещения "
                          "руководитель этого блока, кто бы ни был ответственным органом. Без этого действия "
                          "блок берётся из темы (поле sector темы в lexicon.yaml), а если у темы его нет — "
                          "из органа."),
}

LADDER_EXAMPLE = Example("{ladder: incident-urgent}",
                         "Часы идут по лестнице incident-urgent из раздела ladders того же файла.")


def vocabulary_markdown() -> str:
    """The generated section, markers included."""
    missing = [f"оператор {name}" for name in OPERATORS if name not in OPERATOR_EXAMPLES]
    missing += [f"действие {name}" for name in OUTCOMES if name not in OUTCOME_EXAMPLES]
    if missing:
        raise ValueError("no worked example for: " + ", ".join(missing))
    out = [BEGIN, "", "### Факты (when)", "",
           "Условие правила: `{fact: …, op: …, value: …}`; условия объединяются через `all` (все), "
           "`any` (хотя бы одно) и `not` (не).", ""]
    out += _facts(fact_table())
    out += ["", "### Операторы (op)", "", "| оператор | для фактов типа | value | что значит |", "|---|---|---|---|"]
    out += [f"| `{o.name}` | {', '.join(TYPE_LABELS[t] for t in o.fact_types)} | {VALUE_LABELS[o.value]} | "
            f"{o.description} |" for o in OPERATORS.values()]
    out += ["", "### Действия правила (then)", "", "| действие | что делает |", "|---|---|"]
    out += [f"| `{row['name']}` | {row['description']} |" for row in outcome_table()]
    out += ["", "### Политика срабатывания (hit_policy)", "", "| hit_policy | что значит |", "|---|---|"]
    out += [f"| `{name}` | {text} |" for name, text in HIT_POLICY_DESCRIPTIONS.items()]
    out += ["", "### Факты правил выбора лестницы (escalation.yaml)", "",
            "Правила выбора лестницы пишутся так же, но знают только эти факты и все операторы, кроме "
            "`phrase` и `matches`; срабатывает первое подходящее правило.", ""]
    out += _facts(fact_table(ladder_facts(clock_kinds=CLOCK_KINDS, policies=(), bodies=(), topics=DEFAULT_TOPICS)))
    out += ["", f"Единственное действие такого правила — `ladder`: {LADDER_EXAMPLE.says} "
                f"Пример: `then: {LADDER_EXAMPLE.text}`.", "", "### Примеры операторов", ""]
    for name, ex in OPERATOR_EXAMPLES.items():
        out += [f"`{name}` — {OPERATORS[name].description.lower()}:", "", "```yaml", f"when: {ex.text}", "```", "",
                f"{ex.says} Срабатывает: {_facts_text(ex.fires)}; не срабатывает: {_facts_text(ex.misses)}.", ""]
    out += ["### Примеры действий правила (then)", ""]
    for name, ex in OUTCOME_EXAMPLES.items():
        out += [f"`{name}`:", "", "```yaml", f"then: {ex.text}", "```", "", ex.says, ""]
    out += _replies()
    out.append(END)
    return "\n".join(out)


FIELD_MEANINGS = {
    "appeal_id": "номер обращения",
    "body_name": "орган, который отвечает (его название из справочника)",
    "due_date": "срок ответа, дд.мм.гггг по местному времени органа",
    "received_date": "дата получения обращения",
    "previous_body_name": "орган, из которого обращение переадресовано",
    "reason": "причина (переадресации, продления; основание ст. 11 59-ФЗ)",
    "days": "на сколько дней продлён срок",
    "question": "что просят уточнить",
    "answer": "текст ответа, как его написал сотрудник",
    "comment": "пояснение сотрудника к оставлению без ответа",
}


def _replies() -> list[str]:
    """Kinds of messages to the resident, the fields each template may name, and the switch-off conditions."""
    missing = sorted({f for fields in FIELDS.values() for f in fields} - set(FIELD_MEANINGS))
    if missing:
        raise ValueError("no meaning for the reply fields: " + ", ".join(missing))
    out = ["### Сообщения автору (replies.yaml)", "",
           "Шаблон называет поля в фигурных скобках, только из списка своего вида; текст автора и сотрудника "
           "подставляется как есть и никогда не читается как шаблон.", "",
           "| вид (messages) | что это | поля шаблона |", "|---|---|---|"]
    out += [f"| `{kind}` | {MESSAGE_KIND_NAMES[kind]} | {', '.join(f'`{{{f}}}`' for f in FIELDS[kind])} |"
            for kind in KINDS]
    out += ["", "| поле | что подставляется |", "|---|---|"]
    out += [f"| `{{{name}}}` | {text} |" for name, text in FIELD_MEANINGS.items()]
    out += ["", "Условия `switch_off` (сообщение не отправляется, когда совпали все условия одного `when`) и "
                "`variants` (другой текст того же вида, `when` и `text`; срабатывает первый подходящий):", "",
            "| условие | значения |", "|---|---|"]
    out += [f"| `{name}` | {', '.join(f'`{v}`' for v in values) if values else 'имя канала (`appeals channel add`)'} |"
            for name, values in CONDITIONS.items()]
    out += ["", "```yaml", "acknowledgement:", "  text: >-", "    Ваше обращение №{appeal_id} передано в {body_name}, "
            "ответ будет дан до {due_date}.", "  switch_off:", "    - when: {regime: fz59, author_type: anonymous}",
            "      why: анонимное обращение по 59-ФЗ — ответ не направляется (ч. 1 ст. 11 59-ФЗ)",
            "  variants:", "    - when: {regime: incident}",
            "      text: Ваше обращение №{appeal_id} принято, им занимается {body_name}.", "```", ""]
    return out


def with_vocabulary(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the generated section."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise ValueError("the README needs the vocabulary markers, once each, in order:\n" + BEGIN + "\n" + END)
    head, rest = readme.split(BEGIN, 1)
    return head + vocabulary_markdown() + rest.split(END, 1)[1]


def _facts(rows: list[dict]) -> list[str]:
    lines = ["| факт | тип | значения | что значит |", "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['name']}` | {TYPE_LABELS[row['type']]} | {_values(row['values'])} | "
                     f"{row['description']} |")
    return lines


def _values(text: str) -> str:
    """fact_table's values: a closed set ("a, b"), a range ("1..7", "0.."), or nothing."""
    if not text:
        return "—"
    if ".." not in text:
        return ", ".join(f"`{v}`" for v in text.split(", "))
    low, high = text.split("..")
    return f"{low}–{high}" if low and high else f"от {low}" if low else f"до {high}"


def _facts_text(facts: dict) -> str:
    if not facts:
        return "факт не указан"
    return f"`{yaml.safe_dump(facts, default_flow_style=True, allow_unicode=True, width=1000).strip()}`"
