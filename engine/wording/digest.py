"""The text of the daily digest: what is overdue in a manager's area."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .labels import Labels

MAX_LINES = 100


def overdue_digest(manager_name: str, items: list[tuple], *, local: datetime, now: datetime, timezone: str,
                   labels: Labels) -> tuple[str, str]:
    """(subject, body) for one manager. `items`: (appeal id, clock kind, due at, body id), oldest
    due first; `local`: now in the region's time zone, whose date the digest carries."""
    zone = ZoneInfo(timezone)
    subject = f"[ЦУР] Просроченные обращения на {local:%d.%m.%Y}: {len(items)}"
    lines = [f"{manager_name}, в вашей зоне ответственности просрочено сроков: {len(items)}.", ""]
    for appeal_id, kind, due, body in items[:MAX_LINES]:
        days = (now - due).days
        lines.append(f"№{appeal_id} — {labels('body', body)}: {labels('clock', kind)} истёк "
                     f"{due.astimezone(zone):%d.%m.%Y %H:%M}" + (f" ({days} дн. назад)" if days else ""))
    if len(items) > MAX_LINES:
        lines.append(f"… и ещё {len(items) - MAX_LINES}.")
    return subject, "\n".join(lines)
