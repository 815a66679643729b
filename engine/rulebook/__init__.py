"""Declarative routing rules: YAML rule files → validated model → durable_rules."""

from .facts import appeal_facts, prepare_facts
from .model import Decision, FactError, RulebookError
from .router import Rulebook, load_rulebook
from .vocabulary import action_table, fact_table, operator_table

__all__ = [
    "Decision",
    "FactError",
    "Rulebook",
    "RulebookError",
    "action_table",
    "appeal_facts",
    "fact_table",
    "load_rulebook",
    "operator_table",
    "prepare_facts",
]
