"""A decision records whether it kept the appeal on the centre's control, and no longer stores its text: the
text is rendered from the stored explanation when read (engine.rulebook.model.explanation_text), and
control was the one thing it said that the explanation does not carry. Decisions made before keep
their stored text and NULL here."""

from ..models import DecisionRecord
from . import add_column_if_missing


def apply(db) -> None:
    add_column_if_missing(db, DecisionRecord, "on_control")
