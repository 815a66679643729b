"""`appeals calendar draft YEAR`: next year's production calendar as a YAML file for staff to check
against the government decree and publish like any rule file (rules/calendar/ru-YEAR.yaml).

The draft comes from the Labour Code (engine/domain/calendar_draft.py) and, when the `holidays`
package is installed and knows the decree's transfers for the year, from those too. The text is
read back through the same parser as the rules folder before it is returned: a draft always loads.
"""

from __future__ import annotations

import re
from datetime import date

import yaml

from engine.domain.calendar import ProductionCalendar
from engine.domain.calendar_draft import draft_year

_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def known_transfers(year: int) -> list[tuple[date, date]] | None:
    """The decree's (day off, moved from) pairs the `holidays` package knows for ``year``; None when
    the package is missing or knows none for that year."""
    try:
        import holidays
    except ImportError:
        return None
    found = []
    for day, name in holidays.country_holidays("RU", years=year, language="en_US").items():
        match = _SUBSTITUTED.search(name)
        if match:
            month, day_of_month, origin_year = (int(part) for part in match.groups())
            found.append((day, date(origin_year, month, day_of_month)))
    return sorted(found) or None


def draft_text(year: int, *, use_package: bool = True) -> str:
    """The YAML draft of ``year``, with a header saying what it rests on and what to check."""
    transfers = known_transfers(year) if use_package else None
    doc = draft_year(year, transfers)
    basis = ("статьи 95 и 112 ТК РФ и переносы, известные пакету holidays"
             if transfers else "статьи 95 и 112 ТК РФ (переносы постановления ещё неизвестны)")
    lines = [
        f"# Производственный календарь Российской Федерации на {year} год — ПРОЕКТ.",
        f"# Составлен командой `appeals calendar draft {year}`: {basis}.",
        "# Перед публикацией сверьте каждый день с постановлением Правительства РФ о переносе выходных дней",
        "# и с производственным календарём Минтруда, впишите номер и дату постановления в source, а",
        "# перенос двух январских выходных, пришедшихся на субботу и воскресенье, — по постановлению.",
        "# После публикации сроки, посчитанные по предварительному календарю, будут пересчитаны автоматически.",
        f"year: {year}",
        "source: " + _flow(doc["source"]),
    ]
    for section in ("days_off", "working_weekends", "shortened"):
        entries = doc[section]
        lines.append(f"{section}:" + ("" if entries else " []"))
        lines += [f"  - {_flow(entry)}" for entry in entries]
    text = "\n".join(lines) + "\n"
    ProductionCalendar.from_documents([yaml.safe_load(text)])  # the draft loads as a calendar file
    return text


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix(
        "\n...").strip()
