"""Texts sent to the author of an appeal."""

from __future__ import annotations

from datetime import date


def extension_notice(appeal_id: int, due: date, reason: str) -> str:
    """The author is told that the term of their appeal was extended (59-ФЗ art. 12 part 2)."""
    return f"Срок рассмотрения Вашего обращения №{appeal_id} продлён до {due:%d.%m.%Y}. Причина: {reason}"
