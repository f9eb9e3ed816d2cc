"""Plotly charts over auditkit's frames. Each takes a tidy frame and returns a figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def starts_chart(starts: pd.DataFrame, title: str = "Bootcamp starts and learners per provider and month") -> go.Figure:
    """Bars of bootcamp starts and a line of distinct learners, per provider, by month.

    ``starts`` is :func:`auditkit.summaries.starts_by_month`.
    """
    fig = go.Figure()
    for ukprn, rows in starts.groupby("ukprn", sort=True):
        fig.add_bar(x=rows["month"], y=rows["starts"].astype(float), name=f"{ukprn} starts",
                    legendgroup=str(ukprn))
        fig.add_scatter(x=rows["month"], y=rows["learners"].astype(float), name=f"{ukprn} learners",
                        mode="lines+markers", legendgroup=str(ukprn))
    fig.update_layout(title=title, barmode="group", xaxis_title="month of start", yaxis_title="count",
                      legend_title="provider (UKPRN)")
    return fig
