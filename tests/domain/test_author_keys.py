"""The author's key from a phone number or an e-mail address, however it was written."""

from __future__ import annotations

import pytest

from engine.domain.author_keys import author_key, email_key, is_contact_key, phone_key

SAME_PERSON = "phone:+79130000000"


@pytest.mark.parametrize("written, key", [
    ("+7 913 000-00-00", SAME_PERSON),
    ("8 (913) 0000000", SAME_PERSON),
    ("79130000000", SAME_PERSON),
    ("9130000000", SAME_PERSON),
    ("+7(913)000-00-00", SAME_PERSON),
    ("8-913-000-00-00", SAME_PERSON),
    (" 8 913 000 00 00 ", SAME_PERSON),
    ("+7 913 000 00 00 доб. 12", SAME_PERSON),
    ("тел. 8 (913) 000-00-00, звонить вечером", SAME_PERSON),
    ("8 (3852) 20-30-40", "phone:+73852203040"),  # a Barnaul city number with its area code
    ("+375 29 123-45-67", "phone:+375291234567"),  # a foreign number keeps its country code
    ("20-30-40", None),  # a city number without its area code names nobody for sure
    ("913", None),
    ("", None),
    (None, None),
    ("улица Попова, 105", None),
    ("ivan89130000000@mail.ru", None),  # digits inside an e-mail address are not a phone number
])
def test_phone_numbers_as_people_write_them(written, key):
    assert phone_key(written) == key


@pytest.mark.parametrize("written, key", [
    ("anna@example.ru", "email:anna@example.ru"),
    ("  Anna.Kravtsova@Example.RU ", "email:anna.kravtsova@example.ru"),
    ("почта: anna@example.ru.", "email:anna@example.ru"),
    ("mailto:Anna@Example.ru", "email:anna@example.ru"),
    ("anna@localhost", None),
    ("+7 913 000-00-00", None),
    (None, None),
])
def test_email_addresses_are_trimmed_and_lower_cased(written, key):
    assert email_key(written) == key


@pytest.mark.parametrize("contacts, key", [
    (("+7 913 000-00-00",), SAME_PERSON),
    (("ANNA@example.ru",), "email:anna@example.ru"),
    (("anna@example.ru", "8 (913) 0000000"), SAME_PERSON),  # the phone number wins
    (("anna@example.ru, 8 913 000 00 00",), SAME_PERSON),
    ((None, "anna@example.ru"), "email:anna@example.ru"),
    ((None, "", "нет"), None),
    ((), None),
])
def test_the_author_key_prefers_the_phone_number(contacts, key):
    assert author_key(*contacts) == key


def test_contact_keys_are_told_apart_from_platform_ids():
    assert is_contact_key("phone:+79130000000") and is_contact_key("email:a@b.ru")
    assert not is_contact_key("vk:52001777") and not is_contact_key("contact:улица") and not is_contact_key(None)
