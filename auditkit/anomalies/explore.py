"""Tidy frames behind the anomaly explorer's charts (``notebooks/04-anomaly-explorer.ipynb``): what each detector
looks at, for every learner, so a chart can show the pattern against the rest."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.risk import RiskScores
from auditkit.facts.context import RuleContext
from auditkit.facts.evidence import evidence_documents
from auditkit.readers.employers import employer_key


def completion_percent(ctx: RuleContext) -> pd.DataFrame:
    """Bootcamps that ended: ukprn, learn_ref_number, percent (of the planned days run; what AN_END_01 reads)."""
    b = ctx.all_bootcamps.dropna(subset=["learn_start_date", "learn_plan_end_date", "learn_act_end_date"])
    day0 = pd.to_datetime(b["learn_start_date"]).dt.normalize()
    done = (pd.to_datetime(b["learn_act_end_date"]).dt.normalize() - day0).dt.days
    planned = (pd.to_datetime(b["learn_plan_end_date"]).dt.normalize() - day0).dt.days
    ok = (planned > 0) & (done >= 0)
    return pd.DataFrame({"ukprn": b["ukprn"][ok], "learn_ref_number": b["learn_ref_number"][ok],
                         "percent": (100 * done / planned)[ok].astype(float)}).reset_index(drop=True)


def weekly_starts(ctx: RuleContext) -> pd.DataFrame:
    """Bootcamp starts per provider and week (Monday): ukprn, week, starts (what AN_START_01 reads)."""
    b = ctx.all_bootcamps.dropna(subset=["learn_start_date"])
    week = pd.to_datetime(b["learn_start_date"]).dt.to_period("W-SUN").dt.start_time
    out = b.assign(week=week).groupby(["ukprn", "week"]).size().rename("starts").reset_index()
    return out.sort_values(["ukprn", "week"], kind="stable").reset_index(drop=True)


def offers_by_employer(ctx: RuleContext, types: tuple[str, ...] = ("job_offer", "interview_offer")) -> pd.DataFrame:
    """Learners with an offer per type, employer and provider: evidence_type, employer, ukprn, learners (what
    AN_OFFER_01 counts); the employer's name as first written, grouped loosely."""
    if ctx.evidence is None:
        return pd.DataFrame(columns=["evidence_type", "employer", "ukprn", "learners"])
    docs = evidence_documents(ctx)
    docs = docs[docs["evidence_type"].isin(list(types)) & docs["employer_key"].notna()]
    docs = docs.drop_duplicates(["evidence_type", "employer_key", "ukprn", "learn_ref_number"])
    names = docs.drop_duplicates("employer_key").set_index("employer_key")["employer"]
    out = docs.groupby(["evidence_type", "employer_key", "ukprn"]).size().rename("learners").reset_index()
    out["employer"] = out["employer_key"].map(names)
    out = out.drop(columns="employer_key")[["evidence_type", "employer", "ukprn", "learners"]]
    return out.sort_values(["evidence_type", "learners", "employer"], ascending=[True, False, True],
                           kind="stable").reset_index(drop=True)


def milestone_days(milestones: pd.DataFrame) -> pd.DataFrame:
    """Claimed M2 and M3 per provider, milestone and day: ukprn, milestone, day, learners (what AN_DATE_01 reads)."""
    m = milestones[milestones["milestone"].isin(["M2", "M3"]) & milestones["claimed"].fillna(False).astype(bool)]
    m = m.assign(day=pd.to_datetime(m["milestone_date"], errors="coerce").dt.normalize()).dropna(subset=["day"])
    out = m.groupby(["ukprn", "milestone", "day"]).size().rename("learners").reset_index()
    return out.sort_values(["ukprn", "milestone", "day"], kind="stable").reset_index(drop=True)


def provider_points(risk: RiskScores) -> pd.DataFrame:
    """Each provider's points per rule or detector, averaged over its learners (provider-level ones as they are):
    ukprn, id, kind, points; they add up to the provider's points."""
    c = risk.contributions
    learners = risk.providers.set_index("ukprn")["learners"].astype(float).clip(lower=1)
    per = c.assign(_level=c["learn_ref_number"].isna()).groupby(["ukprn", "id", "kind", "_level"])["points"].sum()
    per = per.reset_index()
    per["points"] = per["points"].where(per["_level"], per["points"] / per["ukprn"].map(learners))
    per = per.groupby(["ukprn", "id", "kind"])["points"].sum().reset_index()
    return per.sort_values(["ukprn", "points"], ascending=[True, False], kind="stable").reset_index(drop=True)


def riskiest_learners(risk: RiskScores, providers: set[int] | None = None, top: int = 10) -> pd.DataFrame:
    """The ``top`` riskiest learners of the provider (among ``providers``; None: any) that holds the riskiest
    learner, most points first: where a drill-down into learners finds something (a provider ranked high for a
    provider-level anomaly alone may have no learner with points). Empty when no learner has points."""
    learners = risk.learners
    if providers is not None:
        learners = learners[learners["ukprn"].isin(providers).to_numpy(dtype=bool, na_value=False)]
    learners = learners[(learners["points"] > 0).to_numpy(dtype=bool, na_value=False)]
    if learners.empty:
        return learners
    learners = learners.sort_values(["points", "learn_ref_number"], ascending=[False, True], kind="stable")
    provider = learners["ukprn"].iloc[0]
    return learners[(learners["ukprn"] == provider).to_numpy(dtype=bool)].head(top)


__all__ = ["completion_percent", "employer_key", "milestone_days", "offers_by_employer", "provider_points",
           "riskiest_learners", "weekly_starts"]
