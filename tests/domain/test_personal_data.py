"""E-mail addresses and phone numbers in free text are masked; times, ids, addresses of servers are not."""

from __future__ import annotations

import pytest

from engine.domain.personal_data import mask_personal_data

MASKED = [
    ("письмо от anna@example.ru пришло", "письмо от a***@***.ru пришло"),
    ("ivan.petrov+appeals@mail.cur.example.ru.", "i***@***.ru."),
    ("ИВАН@ПОЧТА.РФ", "И***@***.РФ"),
    ("8 (913) 000-00-00", "***-**-00"),
    ("+7 913 000-00-00", "***-**-00"),
    ("+7(913)123-45-67, 89131234567", "***-**-67, ***-**-67"),
    ("9131234567", "***-**-67"),
    ("+375 29 123 45 67", "***-**-67"),
    ("('INSERT INTO appeals VALUES (?, ?)', ['anna@example.ru', '+7 913 000-00-00'])",
     "('INSERT INTO appeals VALUES (?, ?)', ['a***@***.ru', '***-**-00'])"),
]
KEPT = ["2026-11-30 10:00:00+07:00", "ts 1764471000 from_id 52001777", "127.0.0.1:5432", "appeal 17",
        "tg:-1001234567890", "https://vk.com/id52001777", "v=5.199", "sha256=ab12", "вход user@localhost"]


@pytest.mark.parametrize("text, masked", MASKED)
def test_e_mails_and_phones_are_masked_keeping_a_letter_and_two_digits(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_times_ids_and_server_addresses_are_kept(text):
    assert mask_personal_data(text) == text
