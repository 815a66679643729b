"""A reply longer than the platform takes is cut at a word boundary and ends in «…»."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.replies.shortening import shorten, vk_length

TEXT = "Ваше обращение №17 передано в Министерство транспорта Алтайского края, ответ будет дан до 14.12.2026."


def test_a_text_that_fits_is_left_as_it_is():
    assert shorten(TEXT, len(TEXT)) == TEXT


def test_a_long_text_is_cut_after_a_whole_word_without_trailing_punctuation():
    assert shorten(TEXT, 60) == "Ваше обращение №17 передано в Министерство транспорта…"
    assert shorten(TEXT, 73) == "Ваше обращение №17 передано в Министерство транспорта Алтайского края…"


def test_a_single_long_word_is_cut_inside_rather_than_dropped():
    assert shorten("см. https://example.ru/" + "a" * 100, 30) == "см. https://example.ru/aaaaaa…"


def test_vk_counts_escaped_characters_so_ampersands_and_quotes_take_more_room():
    text = " ".join(['ООО "Тепло & Свет"'] * 300)  # 5699 characters, 8399 after escaping

    cut = shorten(text, 4096, vk_length)

    assert vk_length(cut) <= 4096 < len(text)
    assert len(cut) < 4096 - 900
    assert cut.endswith("Свет…") or cut.endswith("Тепло…") or cut.endswith("ООО…")


@given(st.text(alphabet=st.sampled_from(list('аб в\n&"<.,')), max_size=300), st.integers(min_value=1, max_value=200))
def test_a_cut_text_fits_and_is_the_beginning_of_the_original(text, limit):
    for measure in (len, vk_length):
        cut = shorten(text, limit, measure)
        assert measure(cut) <= limit
        assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))
