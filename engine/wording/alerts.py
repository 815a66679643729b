"""The texts of alerts: a ladder level reached by a clock, a rule's immediate alert (notify_now), the author's
message in the appeal's channel for the executor, and a dead letter for the administrator."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .labels import Labels

EXCERPT_CHARS = 500


def level_alert(appeal, clock, level, resolution, *, repeat: int, timezone: str, labels: Labels,
                now: datetime | None = None, responsible: str | None = None, incident=None) -> tuple[str, str]:
    """(subject, body) of one ladder level for one clock, addressed as `resolution` says (a deputy,
    vacant roles passed over). `appeal`: id, channel, text; `clock`: kind, policy_id, body, due_at;
    `timezone`: the body's, in which the due time is shown; `now`: when it is written (the subject
    and body then say how long is left or how long it is overdue); `responsible`: the name of the
    person the appeal is assigned to; `incident`: the mass incident whose clock this is (its first
    member's), with id, members, authors and address — the alert then speaks for all its appeals."""
    due = clock.due_at.astimezone(ZoneInfo(timezone))
    deadline = labels.deadline(clock.kind, clock.policy_id)
    prefix = f"Повторно ({repeat}): " if repeat else ""
    subject = f"[ЦУР] {prefix}{level.title}: обращение №{appeal.id}"
    if incident is not None:
        subject += f" (массовый инцидент №{incident.id}, обращений: {incident.members})"
    if now is not None:
        subject += f" — {deadline}, {time_state(clock.due_at, now, due)}"
    if responsible:
        subject += f", ответственный: {responsible}"
    lines = [
        f"{level.title}.",
        f"Обращение №{appeal.id} ({labels('channel', appeal.channel)}), исполнитель: {labels('body', clock.body)}.",
        f"{sentence(deadline)}: {due:%d.%m.%Y %H:%M} {local_time_words(due)}.",
    ]
    if now is not None:
        lines.append(sentence(time_state(clock.due_at, now, due, long=True)) + ".")
    if incident is not None:
        place = f" ({incident.address})" if incident.address else ""
        lines.append(f"Это общий срок массового инцидента №{incident.id}{place}: обращений {incident.members}, "
                     f"авторов {incident.authors}. Ответ на инцидент получат все авторы; уведомления по "
                     "остальным обращениям инцидента не отправляются.")
    if responsible:
        lines.append(f"Ответственный: {responsible}.")
    if repeat:
        lines.append(f"Повторное уведомление №{repeat}: предыдущие не подтверждены. "
                     "Подтвердите получение, чтобы остановить повторы.")
    lines += resolution_lines(resolution, labels)
    lines += ["", "Текст обращения:", excerpt(appeal.text)]
    return subject, "\n".join(lines)


def time_state(due_at: datetime, now: datetime, local_due: datetime, *, long: bool = False) -> str:
    """«просрочено на 3 дня 4 часа» or «до 30.12.2026 23:59» (long: «осталось 2 дня 5 часов, до …»)."""
    if now > due_at:
        return f"просрочено на {duration_words(now - due_at)}"
    if long:
        return f"до срока осталось {duration_words(due_at - now)}"
    return f"до {local_due:%d.%m.%Y %H:%M}"


def duration_words(delta: timedelta) -> str:
    """«3 дня 4 часа», «5 часов 10 минут», «12 минут» (calendar time, the two largest units)."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return plural(days, DAY) + (f" {plural(hours, HOUR)}" if hours else "")
    if hours:
        return plural(hours, HOUR) + (f" {plural(minutes, MINUTE)}" if minutes else "")
    return plural(minutes, MINUTE)


DAY = ("день", "дня", "дней")
HOUR = ("час", "часа", "часов")
MINUTE = ("минуту", "минуты", "минут")


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """«1 день», «2 дня», «5 дней», «11 дней», «21 день»."""
    if n % 10 == 1 and n % 100 != 11:
        form = forms[0]
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = forms[1]
    else:
        form = forms[2]
    return f"{n} {form}"


def resolution_lines(resolution, labels: Labels) -> list[str]:
    """What the recipient should know of how the role reached them: vacant roles passed over, a deputy acting."""
    lines = [f"Должность «{labels('role', vacant)}» вакантна или её некому замещать; уведомление "
             f"направлено вышестоящему: «{labels('role', resolution.role)}»." for vacant in resolution.vacant]
    if resolution.deputy:
        lines.append(f"Вы получаете уведомление как замещающий: {resolution.holder.name} отсутствует.")
    return lines


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of an appeal's text for an alert."""
    return text if len(text) <= limit else text[:limit] + "…"


def immediate_alert(appeal, decision, resolution, *, reason: str, timezone: str, labels: Labels) -> tuple[str, str]:
    """(subject, body) of the alert a routing rule asks for at once. `appeal`: id, channel, text,
    received_at; `decision`: topic, body; `reason`: the rule's description (empty: none given);
    `timezone`: the region's, in which the time of receipt is shown."""
    topic = labels("topic", decision.topic)
    received = appeal.received_at.astimezone(ZoneInfo(timezone))
    subject = f"[ЦУР] Срочно: обращение №{appeal.id}, {topic}"
    lines = [
        f"Немедленное уведомление: {reason or 'этого требуют правила маршрутизации'}.",
        f"Обращение №{appeal.id} ({labels('channel', appeal.channel)}) поступило {received:%d.%m.%Y %H:%M} "
        f"({utc_offset(received)}).",
        f"Тема: {topic}. Исполнитель: {labels('body', decision.body)}.",
        *resolution_lines(resolution, labels),
        "",
        "Текст обращения:",
        excerpt(appeal.text),
    ]
    return subject, "\n".join(lines)


def author_message_alert(appeal, message, resolution, *, reopened: bool, timezone: str, labels: Labels,
                         page: str) -> tuple[str, str]:
    """(subject, body) telling the executor that the author wrote about the appeal in its channel: a follow-up
    that reopened it, or a message on it. `appeal`: id, channel; `message`: route, text, created_at;
    `timezone`: the region's; `page`: the appeal page's address."""
    received = message.created_at.astimezone(ZoneInfo(timezone))
    if reopened:
        subject = f"[ЦУР] Обращение №{appeal.id} возвращено в работу: автор не удовлетворён ответом"
        first = (f"Автор ответил на обращение №{appeal.id} ({labels('channel', appeal.channel)}), и оно возвращено "
                 "в работу: автор не удовлетворён ответом. Сроки ответа отсчитываются заново.")
    else:
        subject = f"[ЦУР] Новое сообщение автора: обращение №{appeal.id}"
        first = f"Автор написал по обращению №{appeal.id} ({labels('channel', appeal.channel)})."
    lines = [
        first,
        f"Получено {received:%d.%m.%Y %H:%M} ({utc_offset(received)}), {labels('route', message.route)}.",
        *resolution_lines(resolution, labels),
        "",
        "Сообщение автора:",
        excerpt(message.text),
        "",
        f"Обращение: {page}",
    ]
    return subject, "\n".join(lines)


def dead_letter(alert, *, error: str, attempts: int, labels: Labels) -> tuple[str, str]:
    """(subject, body) telling the administrator that `alert` could not be delivered."""
    subject = f"[ЦУР] Уведомление №{alert.id} не доставлено"
    body = "\n".join([
        f"Уведомление №{alert.id} ({labels('level', alert.level)}) для {labels('official', alert.recipient)} "
        f"по каналу «{labels('channel', alert.channel)}» ({alert.address}) не доставлено после {attempts} попыток.",
        f"Последняя ошибка: {error[:500]}",
        f"Обращение №{alert.appeal_id}." if alert.appeal_id else "",
        "Проверьте канал доставки и адрес в справочнике.",
    ]).strip()
    return subject, body


def calendar_missing_alert(year: int, warning: str) -> tuple[str, str]:
    """(subject, body) telling the administrator that next year's production calendar is missing."""
    subject = f"[ЦУР] Нет производственного календаря на {year} год"
    body = "\n".join([
        sentence(warning) + ".",
        f"Пока его нет, сроки, заходящие в {year} год, отмечены как предварительные; после публикации "
        "календаря они будут пересчитаны автоматически, с записью в журнале.",
    ])
    return subject, body


def sentence(text: str) -> str:
    """The text as the start of a sentence: its first letter capitalised."""
    return text[:1].upper() + text[1:]


def local_time_words(moment: datetime) -> str:
    """«по местному времени органа (UTC+7)» for an aware local time."""
    return f"по местному времени органа ({utc_offset(moment)})"


def utc_offset(moment: datetime) -> str:
    """«UTC+7», «UTC+5:30»: the offset of an aware local time."""
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}{f':{rest:02d}' if rest else ''}"
