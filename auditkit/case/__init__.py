"""One audit case: its inputs read once and its results computed on demand (layer 6)."""

from auditkit.case.case import Case, case_of, open_case

__all__ = ["Case", "case_of", "open_case"]
