"""Check a case: read its inputs, run the rules, and summarise the findings (what ``auditkit check`` does)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditkit.readers.contracts import Contracts, read_contracts
from auditkit.readers.discover import CaseFiles, find_case
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.rules import RuleContext, run_rules
from auditkit.rules.context import WAVE_WINDOW
from auditkit.rules.findings import NOT_EVALUATED, SEVERITIES, SEVERITY_ORDER


@dataclass
class CheckResult:
    """What a check read and found."""

    case: CaseFiles
    data: ILRData
    contracts: Contracts | None
    context: RuleContext
    findings: pd.DataFrame


def check_case(paths: Iterable[str | Path], *, contracts: str | Path | None = None,
               postcodes: str | Path | None = None, rules: list[str] | None = None, all_returns: bool = False,
               wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW, progress: bool | None = None) -> CheckResult:
    """Read the ILR returns (and contracts, found by convention or given) under ``paths`` and run the rules."""
    paths = list(paths)
    case = find_case(paths, contracts=contracts)
    data = read_ilr(paths, progress=progress)
    contract_data = read_contracts(case.contracts) if case.contracts else None
    directory = None
    if postcodes:
        from auditkit.reference import read_postcode_directory

        directory = read_postcode_directory(postcodes)
    ctx = RuleContext(data, contract_data, all_returns=all_returns, wave_window=wave_window,
                      postcode_directory=directory)
    return CheckResult(case, data, contract_data, ctx, run_rules(ctx, rules))


def filter_severity(findings: pd.DataFrame, severity: str | None) -> pd.DataFrame:
    """Findings at least as severe as ``severity`` (no-pay > error > warning); not-evaluated ones are kept."""
    if severity is None:
        return findings
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    rank = findings["severity"].map(SEVERITY_ORDER)
    keep = (rank <= SEVERITY_ORDER[severity]) | (findings["severity"] == NOT_EVALUATED)
    return findings[keep.fillna(False)].reset_index(drop=True)


def summary_by_provider(findings: pd.DataFrame, contracts: Contracts | None = None) -> pd.DataFrame:
    """Counts of findings per provider and severity, and learners concerned."""
    columns = [*SEVERITIES, NOT_EVALUATED]
    if findings.empty:
        return pd.DataFrame(columns=["ukprn", "provider", *columns, "learners"])
    counts = pd.crosstab(findings["ukprn"], findings["severity"]).reindex(columns=columns, fill_value=0)
    counts["learners"] = findings.dropna(subset=["learn_ref_number"]).groupby("ukprn")["learn_ref_number"].nunique()
    counts = counts.fillna(0).astype(int).reset_index()
    names = contracts.contracts.set_index("ukprn")["provider"] if contracts is not None else pd.Series(dtype=str)
    counts.insert(1, "provider", counts["ukprn"].map(names).fillna("(no contract)"))
    return counts


def fails(findings: pd.DataFrame, severity: str) -> bool:
    """True when a finding at least as severe as ``severity`` exists (for ``--fail-on``)."""
    rank = findings["severity"].map(SEVERITY_ORDER)
    return bool((rank <= SEVERITY_ORDER[severity]).any())
