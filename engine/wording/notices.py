"""Texts sent to the author of an appeal."""

from __future__ import annotations

from datetime import date


def provisional_note(years: str | None) -> str | None:
    """Why a deadline is provisional, for staff: the years its term crosses that have no official calendar."""
    if not years:
        return None
    listed = years.split(",")
    named = (f"на {listed[0]} год" if len(listed) == 1 else "на " + ", ".join(listed) + " годы")
    return (f"Срок предварительный: производственный календарь {named} не загружен, срок посчитан по "
            "выходным и праздникам ст. 112 ТК РФ без переносов и будет пересчитан после загрузки календаря")


def extension_notice(appeal_id: int, due: date, reason: str) -> str:
    """The author is told that the term of their appeal was extended (59-ФЗ art. 12 part 2)."""
    return f"Срок рассмотрения Вашего обращения №{appeal_id} продлён до {due:%d.%m.%Y}. Причина: {reason}"
