"""The ``auditkit`` command line (layer 8)."""

from auditkit.cli.main import main

__all__ = ["main"]
