"""The report's workpaper sections: the verdicts and open queries, who prepared and reviewed what, and the latest
sample with its evaluation (from the workpaper store; tested without Jupyter)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from auditkit.case import Case
from auditkit.case.sampling import evaluate_case_sample
from auditkit.sampling import SamplingError
from auditkit.workpapers.samples import load_sample, sample_misstatements
from auditkit.workpapers.store import Store

OPEN_COLUMNS = ["check_id", "kind", "rule_id", "stage", "ukprn", "learn_ref_number", "bootcamp_aim", "verdict",
                "note", "status", "message"]


def verdict_summary(workpapers: pd.DataFrame) -> pd.DataFrame:
    """Checks per kind and status (open, done, re-review, resolved), with how many have a verdict."""
    if workpapers.empty:
        return pd.DataFrame(columns=["kind", "status", "checks", "with_verdict"])
    grouped = workpapers.groupby(["kind", "status"], sort=True).agg(
        checks=("check_id", "size"), with_verdict=("verdict", lambda v: int(v.notna().sum())))
    return grouped.reset_index()


def open_queries(workpapers: pd.DataFrame) -> pd.DataFrame:
    """The checks still open with a verdict of query, or due a re-review: what the audit must still settle."""
    if workpapers.empty:
        return pd.DataFrame(columns=OPEN_COLUMNS)
    keep = (workpapers["verdict"] == "query").fillna(False) | (workpapers["status"] == "re-review").fillna(False)
    return workpapers.loc[keep.astype(bool), [c for c in OPEN_COLUMNS if c in workpapers]].reset_index(drop=True)


def signoff_summary(workpapers: pd.DataFrame) -> pd.DataFrame:
    """Per person and role, the checks they signed off; and the checks with a verdict nobody has signed off."""
    rows = []
    with_verdict = workpapers[workpapers["verdict"].notna()] if len(workpapers) else workpapers
    for role in ("preparer", "reviewer"):
        if len(with_verdict):
            for who, n in with_verdict[role].dropna().value_counts().sort_index().items():
                rows.append({"role": role, "user": who, "checks": int(n)})
            rows.append({"role": role, "user": "(not signed off)", "checks": int(with_verdict[role].isna().sum())})
    return pd.DataFrame(rows, columns=["role", "user", "checks"])


@dataclass(frozen=True)
class SampleSection:
    """The latest sample: what it is, its items with their misstatements, and its evaluation (or what is missing)."""

    description: str
    items: pd.DataFrame
    conclusion: str


def sample_section(case: Case, store: Store) -> SampleSection | None:
    """The latest sample of the store with its evaluation from the verdicts; None when no sample is recorded."""
    if store.samples().empty:
        return None
    sample = load_sample(store)
    wrong = sample_misstatements(case, store, sample)
    items = sample.items[["rank", "item", "stratum", "selected_by", "book_value", "amount_due"]].copy()
    items["misstatement"] = items["item"].map(wrong).astype("Float64").to_numpy()
    try:
        conclusion = evaluate_case_sample(sample, wrong).conclusion
    except SamplingError as error:
        conclusion = f"Not evaluated yet: {error}."
    return SampleSection(f"Sample {sample.id}: {sample.describe()}", items, conclusion)
