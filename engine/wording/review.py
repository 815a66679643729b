"""The texts of the alerts of the centre's review of answers: a draft waits for the curator, a draft went
back to the official with remarks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .alerts import excerpt, resolution_lines, utc_offset
from .labels import Labels

KIND_WORDS = {"interim": "промежуточный ответ", "final": "ответ по существу"}


def review_alert(appeal, draft, resolution, *, timezone: str, labels: Labels, page: str) -> tuple[str, str]:
    """(subject, body) telling the reviewer that an answer waits for approval. `appeal`: id, channel, body;
    `draft`: kind, text, written_at; `timezone`: the region's; `page`: the appeal page's address."""
    written = draft.written_at.astimezone(ZoneInfo(timezone))
    kind = KIND_WORDS.get(draft.kind, draft.kind)
    subject = f"[ЦУР] Ответ ждёт проверки: обращение №{appeal.id}"
    lines = [
        f"Обращение №{appeal.id} ({labels('channel', appeal.channel)}) на контроле ЦУР: {labels('body', appeal.body)} "
        f"подготовил {kind} {written:%d.%m.%Y %H:%M} ({utc_offset(written)}).",
        "Автор получит ответ только после одобрения; срок ответа идёт, пока ответ ждёт проверки.",
        *resolution_lines(resolution, labels),
        "",
        "Текст ответа:",
        excerpt(draft.text),
        "",
        f"Одобрить или вернуть на доработку: {page}",
    ]
    return subject, "\n".join(lines)


def returned_alert(appeal, draft, resolution, *, timezone: str, labels: Labels, page: str) -> tuple[str, str]:
    """(subject, body) telling the executor that the centre returned their answer with remarks. `draft`:
    kind, remarks, reviewed_at."""
    reviewed = draft.reviewed_at.astimezone(ZoneInfo(timezone))
    kind = KIND_WORDS.get(draft.kind, draft.kind)
    subject = f"[ЦУР] Ответ возвращён на доработку: обращение №{appeal.id}"
    lines = [
        f"ЦУР вернул {kind} по обращению №{appeal.id} на доработку {reviewed:%d.%m.%Y %H:%M} "
        f"({utc_offset(reviewed)}). Автор его не получил; срок ответа идёт.",
        *resolution_lines(resolution, labels),
        "",
        "Замечания ЦУР:",
        excerpt(draft.remarks or ""),
        "",
        f"Обращение: {page}",
    ]
    return subject, "\n".join(lines)
