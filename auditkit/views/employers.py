"""The employer engagement picture for a QA visit: per employer, the places it co-funds, the interviews and jobs
it offered, its roles, size and satisfaction from the register (pure functions over a case, tested)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from auditkit.case import Case
from auditkit.facts.evidence import evidence_documents

#: Evidence types counted for each kind of engagement.
ENGAGEMENT_TYPES: dict[str, tuple[str, ...]] = {
    "co_funded_places": ("employer_contribution_invoice",),
    "interview_offers": ("interview_offer",),
    "job_offers": ("job_offer", "new_role_offer", "new_responsibilities_letter"),
}
ENGAGEMENT_COLUMNS = ["employer", "providers", "learners", *ENGAGEMENT_TYPES, "register_roles", "size",
                      "satisfaction", "in_register"]


def employer_engagement(case: Case, provider: int | None = None) -> pd.DataFrame:
    """One row per employer named on the evidence (co-funding invoices, interview and job offers): how many
    learners, of how many providers, and each kind of offer; with the register's roles, size and satisfaction
    (``in_register`` False when the register does not know the employer). Most offers first."""
    if case.evidence is None:
        return pd.DataFrame(columns=ENGAGEMENT_COLUMNS)
    docs = evidence_documents(case.context)
    if provider is not None:
        docs = docs[docs["ukprn"] == int(provider)]
    wanted = {t: kind for kind, types in ENGAGEMENT_TYPES.items() for t in types}
    docs = docs[docs["evidence_type"].isin(list(wanted)) & docs["employer_key"].notna()].copy()
    if docs.empty:
        return pd.DataFrame(columns=ENGAGEMENT_COLUMNS)
    docs["kind"] = docs["evidence_type"].map(wanted)
    counts = docs.pivot_table(index="employer_key", columns="kind", values="learn_ref_number", aggfunc="count",
                              fill_value=0).reindex(columns=list(ENGAGEMENT_TYPES), fill_value=0)
    who = docs.groupby("employer_key").agg(employer=("employer", "first"), providers=("ukprn", "nunique"),
                                           learners=("learn_ref_number", lambda s: s.nunique()))
    out = who.join(counts)
    register = case.employers
    if register is not None and len(register):
        reg = register.drop_duplicates("name_key").set_index("name_key")
        out["register_roles"] = reg["roles"].reindex(out.index).astype("string")
        out["size"] = reg["size"].reindex(out.index).astype("string")
        out["satisfaction"] = reg["satisfaction"].reindex(out.index).astype("Float64")
        out["in_register"] = out.index.isin(reg.index)
    else:
        out["register_roles"], out["size"], out["satisfaction"], out["in_register"] = pd.NA, pd.NA, pd.NA, False
    out["offers"] = out["interview_offers"] + out["job_offers"]
    out = out.sort_values(["offers", "co_funded_places", "employer"], ascending=[False, False, True])
    return out[ENGAGEMENT_COLUMNS].reset_index(drop=True)


def engagement_chart(engagement: pd.DataFrame, top: int = 20, title: str = "Employer engagement") -> go.Figure:
    """Horizontal bars per employer (the ``top`` most engaged): co-funded places, interview offers, job offers."""
    rows = engagement.head(top).iloc[::-1]
    fig = go.Figure()
    labels = {"co_funded_places": "co-funded places", "interview_offers": "interview offers",
              "job_offers": "job offers"}
    for column, label in labels.items():
        fig.add_bar(y=rows["employer"].astype(str), x=rows[column].astype(int), name=label, orientation="h")
    fig.update_layout(title=title, barmode="stack", xaxis_title="learners", height=max(300, 28 * len(rows) + 140),
                      legend_title="engagement")
    return fig
