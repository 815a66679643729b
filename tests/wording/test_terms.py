"""A deadline's term in Russian words, as `appeals deadline` prints it."""

from __future__ import annotations

import pytest

from engine.wording.terms import term_words


@pytest.mark.parametrize(("amount", "basis", "starts_from", "words"), [
    (1, "working_days", "received", "1 рабочий день"),
    (3, "calendar_days", "received", "3 календарных дня"),
    (30, "calendar_days", "registered", "30 календарных дней после регистрации"),
    (21, "working_hours", None, "21 рабочий час"),
    (7, "working_days", "interim", "7 рабочих дней после промежуточного ответа"),
    (12, "calendar_hours", "received", "12 часов"),
])
def test_a_term_reads_with_the_right_plural_and_its_start(amount, basis, starts_from, words):
    assert term_words(amount, basis, starts_from) == words
