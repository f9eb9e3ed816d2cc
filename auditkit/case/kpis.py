"""A whole case's KPIs: read, check, milestones, KPIs (what ``auditkit kpis`` does)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from auditkit.measures.kpis import KPIResult, kpis


@dataclass
class KPICase:
    """Everything :func:`case_kpis` read and computed."""

    data: Any
    contracts: Any
    context: Any
    findings: pd.DataFrame
    milestones: pd.DataFrame
    evidence: pd.DataFrame | None
    employers: pd.DataFrame | None
    result: KPIResult
    loaded: Any = None  # every return read, before ``returns`` / ``as_of`` chose among them


def case_kpis(paths: Any, *, contracts: Any = None, evidence: Any = None, employers: Any = None,
              progress: bool | None = None, returns: Any = (), as_of: Any = None) -> KPICase:
    """Read a case (ILR returns, contracts, evidence and employer register, found by convention or given as
    :func:`auditkit.case.check.check_case` does), run the rules (with the evidence checks when there is evidence),
    compute the milestones and the KPIs: what ``auditkit kpis`` does."""
    from auditkit.case.check import check_case
    from auditkit.funding.milestones import milestones as milestone_frame
    from auditkit.readers.employers import read_employers

    checked = check_case(list(paths), contracts=contracts, evidence=evidence, employers=employers, progress=progress,
                         returns=returns, as_of=as_of)
    ev = checked.evidence.evidence if checked.evidence is not None else None
    emp = checked.evidence.employers if checked.evidence is not None else None
    if emp is None and checked.case.employers is not None:
        emp = read_employers(checked.case.employers).employers
    ms = milestone_frame(checked.context, checked.raw_findings)
    result = kpis(checked.context, ms, ev, emp)
    return KPICase(checked.data, checked.contracts, checked.context, checked.findings, ms, ev, emp, result,
                   checked.loaded)
