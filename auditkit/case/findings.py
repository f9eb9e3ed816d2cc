"""What a case's findings add up to: filtered by severity, counted per provider, judged for ``--fail-on``."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from auditkit.frames.findings import NOT_EVALUATED, SEVERITIES, SEVERITY_ORDER
from auditkit.readers.contracts import Contracts


def filter_severity(findings: pd.DataFrame, severity: str | None) -> pd.DataFrame:
    """Findings at least as severe as ``severity`` (no-pay > error > warning); not-evaluated ones are kept."""
    if severity is None:
        return findings
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    rank = findings["severity"].map(SEVERITY_ORDER)
    keep = (rank <= SEVERITY_ORDER[severity]) | (findings["severity"] == NOT_EVALUATED)
    return findings[keep.fillna(False)].reset_index(drop=True)


def summary_by_provider(findings: pd.DataFrame, contracts: Contracts | None = None,
                        providers: Iterable[int] = ()) -> pd.DataFrame:
    """Counts of findings per provider and severity, and learners concerned: one row per provider with findings
    and per provider in ``providers`` (those without findings show zeros)."""
    columns = [*SEVERITIES, NOT_EVALUATED]
    ukprns = sorted({int(u) for u in findings["ukprn"].dropna()} | {int(u) for u in providers if pd.notna(u)})
    counts = pd.crosstab(findings["ukprn"], findings["severity"]) if len(findings) else pd.DataFrame()
    counts = counts.reindex(index=pd.Index(ukprns, name="ukprn"), columns=columns, fill_value=0)
    learners = findings.dropna(subset=["learn_ref_number"]).groupby("ukprn")["learn_ref_number"].nunique()
    counts["learners"] = learners.reindex(counts.index)
    counts = counts.fillna(0).astype(int).reset_index()
    counts.insert(1, "provider", provider_names(counts["ukprn"], contracts))
    return counts


def provider_names(ukprns: pd.Series, contracts: Contracts | None) -> pd.Series:
    """The contract's name of each provider, ``(no contract)`` where none is known (text, whatever the dtypes)."""
    names: dict[int, str] = {}
    if contracts is not None:
        names = {int(u): str(n) for u, n in zip(contracts.contracts["ukprn"], contracts.contracts["provider"],
                                                strict=True) if pd.notna(u) and pd.notna(n)}
    return pd.Series([names.get(int(u), "(no contract)") if pd.notna(u) else "(no provider)" for u in ukprns],
                     index=ukprns.index, dtype="string")


def fails(findings: pd.DataFrame, severity: str) -> bool:
    """True when a finding at least as severe as ``severity`` exists (for ``--fail-on``)."""
    rank = findings["severity"].map(SEVERITY_ORDER)
    return bool((rank <= SEVERITY_ORDER[severity]).any())
