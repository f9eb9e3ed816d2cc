"""auditkit: an audit workbench for Skills Bootcamp funding claims."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from auditkit.case import Case, open_case
from auditkit.readers.ilr import ILRData, read_ilr

if TYPE_CHECKING:
    from auditkit.workpapers import Store


def _case_store(case: Case) -> Store:
    """The case's workpaper store (``AUDITKIT_STORE``, else ``<case folder>/.auditkit/workpapers.sqlite``), opened
    and synced with the case's findings at first use: see :func:`auditkit.workpapers.store_for`."""
    from auditkit.workpapers import store_for

    return store_for(case)


# The case (layer 6) cannot import the store (layer 7); the package, above both, gives every case its ``store``.
_store_property = cached_property(_case_store)
_store_property.__set_name__(Case, "store")
Case.store = _store_property  # type: ignore[attr-defined]

__all__ = ["Case", "ILRData", "open_case", "read_ilr"]
__version__ = "0.1.0"
