"""The sections of the audit report, each a tidy frame (or figure) computed from a case: tested without Jupyter.

The report notebook (``auditkit/report/template.ipynb``) calls these and shows them; the workbook writes the
same frames. Frames with personal data are masked unless the report is revealed (a logged act).
"""

from __future__ import annotations

import pandas as pd

from auditkit.case import Case
from auditkit.frames.findings import SEVERITY_ORDER
from auditkit.measures.kpis import KPI_BY_ID

#: Colours of the KPI statuses in the report.
STATUS_COLOURS = {"green": "#1b7837", "amber": "#e08214", "red": "#b2182b", "not-evaluated": "#777777"}


def for_provider(frame: pd.DataFrame, provider: int | None) -> pd.DataFrame:
    """``frame``'s rows of ``provider`` (all rows when None or the frame has no ``ukprn``)."""
    if provider is None or "ukprn" not in frame:
        return frame
    return frame[frame["ukprn"] == int(provider)].reset_index(drop=True)


def scope(case: Case, provider: int | None = None) -> pd.DataFrame:
    """One row per provider audited: its name, the returns read and audited (ILR years, periods of those audited,
    the latest preparation date), learners and bootcamp aims audited."""
    read = for_provider(case.loaded.returns, provider)
    returns = for_provider(case.context.returns, provider)
    learners = for_provider(case.context.learners, provider)
    aims = for_provider(case.milestones, provider).drop_duplicates(["ukprn", "learn_ref_number", "bootcamp_aim",
                                                                    "learn_start_date"])
    names = case.funding_by_provider.set_index("ukprn")["provider"] if len(case.funding_by_provider) else {}
    rows = []
    for ukprn, rs in returns.groupby("ukprn", sort=True):
        rows.append({
            "ukprn": int(ukprn), "provider": names.get(ukprn, pd.NA) if hasattr(names, "get") else pd.NA,
            "returns_read": int((read["ukprn"] == ukprn).sum()), "returns_audited": len(rs),
            "ilr_years": _listed(rs["ilr_year"]),
            "periods": _listed(rs["period"]),
            "prepared": pd.to_datetime(rs["file_preparation_date"]).max(),
            "learners": int(learners.loc[learners["ukprn"] == ukprn, "learn_ref_number"].nunique()),
            "bootcamp_aims": int((aims["ukprn"] == ukprn).sum()),
        })
    return pd.DataFrame(rows, columns=["ukprn", "provider", "returns_read", "returns_audited", "ilr_years", "periods",
                                       "prepared", "learners", "bootcamp_aims"])


def _listed(values: pd.Series) -> str:
    """The distinct values, sorted and comma-separated; ``(unknown)`` for missing ones (a return whose header
    gives no year or period)."""
    known = sorted({str(v) for v in values.dropna()})
    return ", ".join(known + (["(unknown)"] if values.isna().any() else []))


def findings_by_rule(case: Case, provider: int | None = None) -> pd.DataFrame:
    """Findings per rule and severity: how many, on how many learners, and the pounds claimed on the milestones
    each rule blocks (a milestone blocked by two rules counts for both)."""
    findings = for_provider(case.findings, provider)
    if findings.empty:
        return pd.DataFrame(columns=["rule_id", "severity", "summary", "findings", "learners", "blocks_pounds"])
    from auditkit.rules import get_rules

    summaries = {r.id: r.summary for r in get_rules(None)}
    grouped = findings.groupby(["rule_id", "severity"], sort=False).agg(
        findings=("rule_id", "size"),
        learners=("learn_ref_number", lambda s: int(findings.loc[s.index, ["ukprn", "learn_ref_number"]]
                                                     .dropna().drop_duplicates().shape[0])),
    ).reset_index()
    blocked = _pounds_blocked(for_provider(case.milestones, provider))
    grouped["summary"] = grouped["rule_id"].map(summaries).astype("string")
    grouped["blocks_pounds"] = grouped["rule_id"].map(blocked).fillna(0.0).astype(float)
    grouped["rank"] = grouped["severity"].map(SEVERITY_ORDER).fillna(9)
    grouped = grouped.sort_values(["rank", "blocks_pounds", "findings"], ascending=[True, False, False])
    return grouped[["rule_id", "severity", "summary", "findings", "learners", "blocks_pounds"]].reset_index(drop=True)


def _pounds_blocked(milestones: pd.DataFrame) -> pd.Series:
    """Pounds claimed on the milestones whose ``blocked_by`` names each rule."""
    claimed = milestones[milestones["claimed"].astype(bool) & (milestones["blocked_by"].fillna("") != "")]
    if claimed.empty:
        return pd.Series(dtype=float)
    ids = claimed.assign(rule_id=claimed["blocked_by"].astype(str).str.split(",")).explode("rule_id")
    ids["rule_id"] = ids["rule_id"].str.strip()
    return ids.groupby("rule_id")["amount_claimed"].sum().astype(float)


def funding_table(case: Case, provider: int | None = None) -> pd.DataFrame:
    """Funding claimed, earned and at risk per provider, bootcamp aim and milestone."""
    return for_provider(case.funding, provider)


def kpi_status(case: Case, provider: int | None = None) -> pd.DataFrame:
    """Each provider's KPIs as at its latest month (the provider's total, ``all``): value, target and status."""
    values = for_provider(case.kpis.values, provider)
    values = values[values["bootcamp_aim"] == "all"]
    if values.empty:
        return pd.DataFrame(columns=["ukprn", "kpi", "label", "month", "value", "target", "direction", "status"])
    latest = values.sort_values("month").groupby(["ukprn", "kpi"], sort=False).tail(1)
    order = {k: i for i, k in enumerate(KPI_BY_ID)}
    latest = latest.assign(label=latest["kpi"].map(lambda k: KPI_BY_ID[k].label), order=latest["kpi"].map(order))
    latest = latest.sort_values(["ukprn", "order"])
    out = latest[["ukprn", "kpi", "label", "month", "cumulative_value", "target", "direction", "status"]]
    return out.rename(columns={"cumulative_value": "value"}).reset_index(drop=True)


def read_problems(case: Case, provider: int | None = None) -> pd.DataFrame:
    """The problems the reader met in the returns (masked like every reader message)."""
    return for_provider(case.loaded.problems, provider)
