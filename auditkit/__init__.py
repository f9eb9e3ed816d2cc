"""auditkit: an audit workbench for Skills Bootcamp funding claims."""

from __future__ import annotations

from functools import cached_property

from auditkit.case import Case, open_case
from auditkit.readers.ilr import ILRData, read_ilr


def _case_store(case: Case) -> object:
    """The case's workpaper store, an :class:`auditkit.workpapers.Store` (``AUDITKIT_STORE``, else
    ``<case folder>/.auditkit/workpapers.sqlite``), opened and synced with the case's findings at first use: see
    :func:`auditkit.workpapers.store_for`. Annotated ``object``: the store (and SQLAlchemy) is imported when first
    used, not with the package, so its class cannot be named here at run time."""
    from auditkit.workpapers import store_for

    return store_for(case)


# The case (layer 6) cannot import the store (layer 7); the package, above both, gives every case its ``store``.
_store_property = cached_property(_case_store)
_store_property.__set_name__(Case, "store")
Case.store = _store_property  # type: ignore[attr-defined]

__all__ = ["Case", "ILRData", "open_case", "read_ilr"]
__version__ = "0.1.0"
