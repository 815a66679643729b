"""The ``*_test.yaml`` cases of a rules folder: one runner for routing rules, escalation ladder
selection and deadline policies (see ``runner``)."""

from .report import CaseReport, CaseResult
from .runner import CASE_SUFFIX, case_file_names, list_cases, run_cases

__all__ = ["CASE_SUFFIX", "CaseReport", "CaseResult", "case_file_names", "list_cases", "run_cases"]
