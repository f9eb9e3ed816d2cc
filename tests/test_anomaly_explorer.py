"""The frames and charts of the anomaly explorer notebook, on the shipped samples."""

from __future__ import annotations

import pytest

from auditkit.anomalies import explore
from auditkit.views import anomaly_charts as charts


def test_completion_percent_holds_the_planted_80_percent_ends(samples_case):
    p = explore.completion_percent(samples_case.context)
    at = p[(p["percent"] >= 80) & (p["percent"] < 82)]
    assert set(at["learn_ref_number"]) == {"CBC0030", "CBC0045", "CBC0059", "TFT0036", "TFT0053"}
    fig = charts.completion_chart(p)
    assert fig.layout.shapes[0].x0 == 80 and len(fig.data) == p["ukprn"].nunique()


def test_weekly_starts_show_the_late_bunch_in_the_shaded_window(samples_case):
    w = explore.weekly_starts(samples_case.context)
    assert w["starts"].sum() == len(samples_case.context.all_bootcamps)
    late = w[(w["ukprn"] == 10090002) & (w["week"] >= "2025-03-17")]["starts"].sum()
    assert late == 22
    fig = charts.starts_chart(w, samples_case.context.wave_window[1])
    assert str(fig.layout.shapes[0].x1).startswith("2025-03-31")


def test_offers_by_employer_put_the_planted_employer_first(samples_case):
    o = explore.offers_by_employer(samples_case.context)
    jobs = o[o["evidence_type"] == "job_offer"].groupby("employer")["learners"].sum().sort_values()
    assert jobs.index[-1] == "Kingsway Freight Systems Ltd" and jobs.iloc[-1] == 14
    fig = charts.offers_chart(o)
    assert fig.layout.yaxis.categoryarray[-1] == "Kingsway Freight Systems Ltd"


def test_milestone_days_count_every_claimed_m2_and_m3(samples_case):
    d = explore.milestone_days(samples_case.milestones)
    m = samples_case.milestones
    claimed = m[m["milestone"].isin(["M2", "M3"]) & m["claimed"].fillna(False).astype(bool)
                & m["milestone_date"].notna()]
    assert d["learners"].sum() == len(claimed)
    assert charts.milestone_days_chart(d).layout.shapes[0].y0 == 5


def test_provider_points_add_up_to_each_providers_points(samples_case):
    risk = samples_case.risk
    points = explore.provider_points(risk)
    total = points.groupby("ukprn")["points"].sum()
    for _, row in risk.providers.iterrows():
        assert total.get(row["ukprn"], 0.0) == pytest.approx(row["points"])  # no contributions: no points
    assert (risk.providers["points"] == 0).any()  # a clean peer provider (Hockley Port) adds nothing
    fig = charts.provider_risk_chart(points, risk.providers)
    assert fig.layout.yaxis.categoryarray[-1] == str(risk.providers["ukprn"].iloc[0])  # the riskiest on top


def test_the_drill_down_goes_to_the_provider_holding_the_riskiest_learner(samples_case):
    risk = samples_case.risk
    contracted = set(samples_case.context.contract_table()["ukprn"])
    learners = explore.riskiest_learners(risk, contracted, top=5)
    assert 0 < len(learners) <= 5 and learners["ukprn"].nunique() == 1 and (learners["points"] > 0).all()
    best = risk.learners[risk.learners["ukprn"].isin(contracted)]["points"].max()
    assert learners["points"].iloc[0] == best and learners["points"].is_monotonic_decreasing
    assert explore.riskiest_learners(risk, {99999999}).empty  # no such provider: nothing
