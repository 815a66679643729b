"""The text of a catch-up letter: after the worker was down, one letter per person lists the appeals
whose deadlines came meanwhile, their own levels passed over included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .alerts import plural, sentence, time_state, utc_offset
from .labels import Labels

APPEALS = ("обращение", "обращения", "обращений")
MAX_ITEMS = 200


@dataclass(frozen=True)
class CatchUpItem:
    appeal_id: int
    body: str
    clock_kind: str
    policy_id: str | None
    due_at: datetime
    timezone: str  # the body's
    level: str
    passed_over: bool  # a higher level was reached: this person's own alert was not sent by itself
    page: str  # the staff page of the appeal
    accept: str = ""  # the one-click «Принять» link ("" for a level passed over)
    responsible: str | None = None  # the name of the person the appeal is assigned to


def catch_up_letter(name: str, items: list[CatchUpItem], *, now: datetime, timezone: str, accept_until: str,
                    labels: Labels) -> tuple[str, str]:
    """(subject, body) for one person; `items` oldest due first; `timezone`: the region's."""
    local = now.astimezone(ZoneInfo(timezone))
    appeals = len({item.appeal_id for item in items})
    overdue = len({item.appeal_id for item in items if item.due_at < now})
    subject = f"[ЦУР] Сводка после перерыва в оповещениях: {plural(appeals, APPEALS)}"
    if overdue:
        subject += f", просрочено: {overdue}"
    lines = [
        f"{name}, оповещения какое-то время не отправлялись. На {local:%d.%m.%Y %H:%M} ({utc_offset(local)}) "
        f"наступили этапы эскалации по обращениям, о которых вам нужно знать: {appeals}. "
        "Вместо отдельного письма по каждому — одна сводка.",
        "",
    ]
    for item in items[:MAX_ITEMS]:
        due = item.due_at.astimezone(ZoneInfo(item.timezone))
        deadline = labels.deadline(item.clock_kind, item.policy_id)
        lines.append(f"№{item.appeal_id} — {labels('body', item.body)}: {deadline} {due:%d.%m.%Y %H:%M}, "
                     f"{time_state(item.due_at, now, due, long=True)}"
                     + (f"; ответственный: {item.responsible}." if item.responsible else "."))
        level = labels("level", item.level)
        if item.passed_over:
            lines.append(f"  Этап «{level}»: к этому времени наступил следующий, оповещены вышестоящие; "
                         "сообщаем для сведения.")
        else:
            lines.append(f"  Этап «{level}».")
        lines.append(f"  Открыть: {item.page}")
        if item.accept:
            lines.append(f"  Принять (без входа): {item.accept}")
    if len(items) > MAX_ITEMS:
        lines.append(f"… и ещё {len(items) - MAX_ITEMS}.")
    if any(item.accept for item in items):
        lines += ["", sentence(f"ссылки «Принять» действуют {accept_until}.")]
    return subject, "\n".join(lines)
