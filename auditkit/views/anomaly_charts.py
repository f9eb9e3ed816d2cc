"""Plotly charts of the anomaly explorer: each takes a frame of :mod:`auditkit.anomalies.explore` and returns a
figure, with the detector's threshold or window marked."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from auditkit.reference.wave5 import M2_COMPLETION_PERCENT


def completion_chart(percent: pd.DataFrame, bin_points: int = 2) -> go.Figure:
    """Histogram of the share of planned days each ended bootcamp ran, per provider, with the 80% line."""
    fig = go.Figure()
    for ukprn, rows in percent.groupby("ukprn", sort=True):
        fig.add_histogram(x=rows["percent"].clip(upper=110), name=str(ukprn),
                          xbins={"start": 0, "end": 110, "size": bin_points})
    fig.add_vline(x=M2_COMPLETION_PERCENT, line_dash="dash", line_color="red",
                  annotation_text=f"{M2_COMPLETION_PERCENT}%: least that earns M2")
    fig.update_layout(title="How much of the planned bootcamp each learner ran", barmode="stack",
                      xaxis_title="% of planned days", yaxis_title="bootcamps", legend_title="provider (UKPRN)")
    return fig


def starts_chart(weekly: pd.DataFrame, window_end: dt.date | pd.Timestamp, late_days: int = 14) -> go.Figure:
    """Weekly starts per provider, with the late period before the contract window closes shaded."""
    fig = go.Figure()
    for ukprn, rows in weekly.groupby("ukprn", sort=True):
        fig.add_scatter(x=rows["week"], y=rows["starts"], name=str(ukprn), mode="lines+markers")
    end = pd.Timestamp(window_end)
    fig.add_vrect(x0=end - pd.Timedelta(days=late_days), x1=end, fillcolor="red", opacity=0.15, line_width=0,
                  annotation_text=f"last {late_days} days of the window")
    fig.update_layout(title="Bootcamp starts per week", xaxis_title="week", yaxis_title="starts",
                      legend_title="provider (UKPRN)")
    return fig


def offers_chart(offers: pd.DataFrame, evidence_type: str = "job_offer", top: int = 15) -> go.Figure:
    """Learners per employer on one type of offer, stacked by provider: the employers behind most offers first."""
    rows = offers[offers["evidence_type"] == evidence_type]
    order = rows.groupby("employer")["learners"].sum().sort_values(ascending=False).head(top).index
    rows = rows[rows["employer"].isin(order)]
    fig = go.Figure()
    for ukprn, part in rows.groupby("ukprn", sort=True):
        fig.add_bar(y=part["employer"], x=part["learners"], name=str(ukprn), orientation="h")
    fig.update_layout(title=f"Learners with a {evidence_type.replace('_', ' ')}, by employer", barmode="stack",
                      xaxis_title="learners", legend_title="provider (UKPRN)",
                      yaxis={"categoryorder": "array", "categoryarray": list(order)[::-1]})
    return fig


def milestone_days_chart(days: pd.DataFrame, min_same_day: int = 5) -> go.Figure:
    """Claimed M2 and M3 per day and provider, with the line above which a day is looked at."""
    fig = go.Figure()
    for (ukprn, milestone), rows in days.groupby(["ukprn", "milestone"], sort=True):
        fig.add_scatter(x=rows["day"], y=rows["learners"], name=f"{ukprn} {milestone}", mode="markers")
    fig.add_hline(y=min_same_day, line_dash="dash", line_color="red",
                  annotation_text=f"{min_same_day} learners on one day")
    fig.update_layout(title="Milestone dates: learners per day", xaxis_title="milestone date",
                      yaxis_title="learners", legend_title="provider, milestone")
    return fig


def provider_risk_chart(points: pd.DataFrame, providers: pd.DataFrame) -> go.Figure:
    """Providers ranked by risk score, each bar split into what added the points (rules and detectors)."""
    order = providers.sort_values("risk_score", ascending=True)["ukprn"].astype(str).tolist()
    fig = go.Figure()
    for ident, rows in points.groupby("id", sort=True):
        fig.add_bar(y=rows["ukprn"].astype(str), x=rows["points"], name=str(ident), orientation="h")
    fig.update_layout(title="Provider risk: points by rule and detector", barmode="stack", xaxis_title="points",
                      yaxis={"categoryorder": "array", "categoryarray": order, "title": "provider (UKPRN)"})
    return fig
