"""Declarative routing rules: YAML rule files → validated model → durable_rules."""

from .facts import appeal_facts, prepare_facts
from .model import Decision, FactError, RulebookError
from .rulebook import Rulebook, load_rulebook
from .vocabulary import fact_table, operator_table, outcome_table

__all__ = [
    "Decision",
    "FactError",
    "Rulebook",
    "RulebookError",
    "appeal_facts",
    "fact_table",
    "load_rulebook",
    "operator_table",
    "outcome_table",
    "prepare_facts",
]
