"""Russian appeal text into facts: topic lexicon, municipality gazetteer, 59-ФЗ flags, repeats and clusters."""

from .history import History, HistorySettings, Neighbour, assess
from .lexicon import Classification, Lexicon
from .reader import Reading, TextReader, load_reader

__all__ = [
    "Classification",
    "History",
    "HistorySettings",
    "Lexicon",
    "Neighbour",
    "Reading",
    "TextReader",
    "assess",
    "load_reader",
]
