"""The workpaper store (layer 7): auditors' verdicts, sign-offs, reveals and samples, kept in SQLite or PostgreSQL.

``open_store(case)`` opens ``<case folder>/.auditkit/workpapers.sqlite`` (or ``AUDITKIT_STORE``, or ``url``);
``store.sync(case)`` brings the case's findings in; ``store.record(check, verdict, note)`` records a verdict.
``case.store`` (attached by the ``auditkit`` package, which sits above this layer) is ``store_for(case)``.
"""

from __future__ import annotations

from auditkit.case import Case
from auditkit.workpapers.engine import STORE_ENV, STORE_FILE, USER_ENV, StoreError, current_user
from auditkit.workpapers.export import case_workpapers
from auditkit.workpapers.identity import check_id, learner_key, stage_check_id
from auditkit.workpapers.store import Store, open_store


def store_for(case: Case) -> Store:
    """The store of ``case`` (``AUDITKIT_STORE`` or the case folder's), synced with the case's findings once."""
    store = open_store(case)
    store.sync(case)
    return store


__all__ = ["STORE_ENV", "STORE_FILE", "USER_ENV", "Store", "StoreError", "case_workpapers", "check_id", "current_user",
           "learner_key", "open_store", "stage_check_id", "store_for"]
