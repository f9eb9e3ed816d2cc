"""One audit case: its inputs read once and its results computed on demand (layer 6)."""

from auditkit.case.case import Case, open_case

__all__ = ["Case", "open_case"]
