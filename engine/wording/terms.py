"""How a deadline's term reads: «30 календарных дней», «7 рабочих дней после промежуточного ответа»."""

from __future__ import annotations

from .alerts import plural

# the units a clock counts (engine.domain.clockterm), in the three plural forms
BASIS_FORMS = {
    "calendar_days": ("календарный день", "календарных дня", "календарных дней"),
    "working_days": ("рабочий день", "рабочих дня", "рабочих дней"),
    "working_hours": ("рабочий час", "рабочих часа", "рабочих часов"),
    "calendar_hours": ("час", "часа", "часов"),
}

# what a clock counts from, after its term
ORIGIN_WORDS = {"received": "после поступления", "registered": "после регистрации",
                "interim": "после промежуточного ответа"}


def term_words(amount: int, basis: str, starts_from: str | None = None) -> str:
    """«30 календарных дней»; with ``starts_from`` (but receipt, the usual start), what it counts from."""
    forms = BASIS_FORMS.get(basis)
    text = plural(amount, forms) if forms else f"{amount} {basis}"
    if starts_from and starts_from != "received":
        text += f" {ORIGIN_WORDS.get(starts_from, starts_from)}"
    return text
