"""The workpapers of a case as people read them: the store's current state beside the case's findings."""

from __future__ import annotations

import pandas as pd

from auditkit.case import Case
from auditkit.workpapers.identity import finding_checks
from auditkit.workpapers.store import Store


def case_workpapers(case: Case, store: Store, *, reveal: bool = False, reason: str = "") -> pd.DataFrame:
    """``store`` synced with ``case`` (:meth:`Store.sync`): the ``workpapers`` frame, each finding with its message
    in the case, personal values masked; ``reveal`` shows them, and the store's reveal log records it."""
    checks = finding_checks(case)
    frame = store.sync(case, checks)
    findings = case.raw_findings if reveal else case.findings
    messages = dict(zip(checks["check_id"], findings["message"], strict=True))
    frame["message"] = frame["check_id"].map(messages).astype("string")
    if reveal:
        store.log_reveal(None, None, ["message"], reason or "workpapers revealed")
    return frame
