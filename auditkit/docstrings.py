"""Docstrings written for an auditor (**What it checks**, **Why it matters**, **Example**, **Limits**), as the
rules and the anomaly detectors carry them: one mixin reads them for both catalogues."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

#: The headings every rule's docstring has (a detector's adds ``Limits``).
HEADINGS: tuple[str, ...] = ("What it checks", "Why it matters", "Example")


def missing_headings(func: Callable[..., object], headings: tuple[str, ...] = HEADINGS) -> list[str]:
    """The ``headings`` that ``func``'s docstring lacks (as ``**Heading**``)."""
    doc = inspect.cleandoc(func.__doc__ or "")
    return [h for h in headings if f"**{h}**" not in doc]


class AuditorDoc:
    """Reads the docstring of ``self.func``: the whole text, its first line, and the text under a heading."""

    func: Callable[..., object]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0].strip() if self.doc else ""

    def section(self, heading: str) -> str:
        """The text under one docstring heading (``What it checks``, ...)."""
        match = re.search(rf"\*\*{re.escape(heading)}\*\*:?\s*(.*?)(?=\n\*\*[A-Z][^*]+\*\*|\Z)", self.doc, re.S)
        return match.group(1).strip() if match else ""
