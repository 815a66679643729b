"""Texts sent to the author of an appeal."""

from __future__ import annotations

# where a reply was published, as the timeline says it: «Ответ опубликован в VK (комментарий 4060)»
PUBLISHED_ON = {
    "vk_comment": ("в VK", "комментарий"),
    "vk_message": ("в VK, в личных сообщениях", "сообщение"),
    "telegram": ("в Telegram", "message_id"),
    "email": ("по электронной почте", "Message-ID"),
    "callback": ("вызовом адреса канала", "ответ"),
    "open311": ("в статусе заявки Open311", "заявка"),
}


def provisional_note(years: str | None) -> str | None:
    """Why a deadline is provisional, for staff: the years its term crosses that have no official calendar."""
    if not years:
        return None
    listed = years.split(",")
    named = (f"на {listed[0]} год" if len(listed) == 1 else "на " + ", ".join(listed) + " годы")
    return (f"Срок предварительный: производственный календарь {named} не загружен, срок посчитан по "
            "выходным и праздникам ст. 112 ТК РФ без переносов и будет пересчитан после загрузки календаря")


def reply_published(route: str | None, platform_id: str | None, kind_title: str | None = None) -> str:
    """The timeline's title of a reply the platform accepted, with the id the platform gave it."""
    where, what = PUBLISHED_ON.get(route or "", ("", ""))
    title = f"Ответ автору опубликован {where}".rstrip()
    if platform_id:
        title += f" ({what} {platform_id})"
    return f"{title}: {kind_title}" if kind_title else title


def reply_dead_letter(*, appeal_id: int, message_id: int, kind_title: str, route_title: str, channel: str,
                      error: str, attempts: int, credentials: bool) -> tuple[str, str]:
    """(subject, body) telling the administrator that a reply to a resident could not be delivered."""
    if credentials:
        subject = f"[ЦУР] Канал «{channel}»: ответы жителям не отправляются"
        first = (f"Платформа не приняла учётные данные канала «{channel}» ({route_title}): ответы жителям по "
                 "этому каналу не доставляются, пока не задан действующий токен "
                 f"(appeals channel set {channel} --access-token … или --bot-token …).")
    else:
        subject = f"[ЦУР] Ответ автору обращения №{appeal_id} не доставлен"
        first = (f"Сообщение №{message_id} автору обращения №{appeal_id} ({kind_title}, {route_title}) не "
                 f"доставлено после {attempts} попыток.")
    body = "\n".join([first, f"Причина: {error[:500]}", f"Обращение №{appeal_id}, сообщение №{message_id}."])
    return subject, body
