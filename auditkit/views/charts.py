"""Plotly charts over auditkit's frames. Each takes a tidy frame and returns a figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def starts_chart(starts: pd.DataFrame, title: str = "Bootcamp starts and learners per provider and month") -> go.Figure:
    """Bars of bootcamp starts and a line of distinct learners, per provider, by month.

    ``starts`` is :func:`auditkit.views.summaries.starts_by_month`.
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


def _kpi_scale(kpi: str) -> tuple[float, str]:
    """(multiplier, axis title) of a KPI: rates are drawn in percent, counts as they are."""
    from auditkit.measures.kpis import KPI_BY_ID

    k = KPI_BY_ID[kpi]
    return (100.0, f"{k.label} (%)") if k.unit == "ratio" else (1.0, k.label)


def _target_line(fig: go.Figure, target: float | None, scale: float, direction: object) -> None:
    if target is None or pd.isna(target):
        return
    label = f"target: {'at most' if direction == 'at-most' else 'at least'} {float(target) * scale:g}%"
    fig.add_hline(y=float(target) * scale, line_dash="dash", line_color="grey", annotation_text=label,
                  annotation_position="top left")


def kpi_trend_chart(trends: pd.DataFrame, ukprn: int, kpi: str, title: str | None = None) -> go.Figure:
    """One line per bootcamp aim (and the provider's ``all``) of a KPI across the provider's snapshot returns,
    with the target as a dashed line.

    ``trends`` is :func:`auditkit.measures.trends.kpi_trends`. Points carry ``customdata`` (ukprn, bootcamp aim, kpi,
    return_id) for drilling into the snapshot.
    """
    from auditkit.measures.trends import snapshot_label

    rows = trends[(trends["ukprn"] == int(ukprn)) & (trends["kpi"] == kpi)]
    rows = rows.sort_values(["as_of", "ilr_year", "period"], kind="stable")
    scale, axis = _kpi_scale(kpi)
    order = list(dict.fromkeys(snapshot_label(rows)))
    fig = go.Figure()
    for aim, part in rows.groupby("bootcamp_aim", sort=True):
        fig.add_scatter(x=list(snapshot_label(part)), y=(part["value"].astype("Float64") * scale).astype(float),
                        mode="lines+markers", name=str(aim), line={"width": 3 if aim == "all" else 1.5},
                        customdata=part[["ukprn", "bootcamp_aim", "kpi", "return_id"]].astype(str).to_numpy())
    if len(rows):
        _target_line(fig, rows["target"].iloc[0], scale, rows["direction"].iloc[0])
    fig.update_layout(title=title or f"{axis} of provider {ukprn} at each return", xaxis_title="return",
                      yaxis_title=axis, legend_title="bootcamp aim")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    return fig


def kpi_chart(values: pd.DataFrame, ukprn: int, kpi: str, *, cumulative: bool = True,
              aims: list[str] | None = None, title: str | None = None) -> go.Figure:
    """A KPI of one provider by calendar month: one line per bootcamp aim (``aims``, default every aim and
    ``all``), cumulative by default, with the target as a dashed line.

    ``values`` is :attr:`auditkit.measures.kpis.KPIResult.values`. Points carry ``customdata``
    (ukprn, bootcamp aim, kpi, month): pass them to :meth:`auditkit.measures.kpis.KPIResult.members_of` to list
    the learners behind a point.
    """
    rows = values[(values["ukprn"] == int(ukprn)) & (values["kpi"] == kpi)]
    if aims is not None:
        rows = rows[rows["bootcamp_aim"].isin(aims)]
    scale, axis = _kpi_scale(kpi)
    column = "cumulative_value" if cumulative else "value"
    fig = go.Figure()
    for aim, part in rows.sort_values("month").groupby("bootcamp_aim", sort=True):
        fig.add_scatter(x=part["month"].astype(str), y=(part[column].astype("Float64") * scale).astype(float),
                        mode="lines+markers", name=str(aim), line={"width": 3 if aim == "all" else 1.5},
                        customdata=part[["ukprn", "bootcamp_aim", "kpi", "month"]].astype(str).to_numpy())
    if len(rows):
        _target_line(fig, rows["target"].iloc[0], scale, rows["direction"].iloc[0])
    kind = "cumulative" if cumulative else "by month"
    fig.update_layout(title=title or f"{axis} of provider {ukprn}, {kind}", xaxis_title="month",
                      yaxis_title=axis, legend_title="bootcamp aim")
    return fig


def kpi_providers_chart(values: pd.DataFrame, kpi: str, *, cumulative: bool = True, title: str | None = None
                        ) -> go.Figure:
    """A KPI of every provider side by side by month (the providers' totals, ``all``), with the target.

    ``values`` is :attr:`auditkit.measures.kpis.KPIResult.values`; points carry ``customdata`` (ukprn, ``all``,
    kpi, month) like :func:`kpi_chart`.
    """
    rows = values[(values["kpi"] == kpi) & (values["bootcamp_aim"] == "all")]
    scale, axis = _kpi_scale(kpi)
    column = "cumulative_value" if cumulative else "value"
    fig = go.Figure()
    for ukprn, part in rows.sort_values("month").groupby("ukprn", sort=True):
        fig.add_scatter(x=part["month"].astype(str), y=(part[column].astype("Float64") * scale).astype(float),
                        mode="lines+markers", name=str(ukprn),
                        customdata=part[["ukprn", "bootcamp_aim", "kpi", "month"]].astype(str).to_numpy())
    if len(rows):
        _target_line(fig, rows["target"].iloc[0], scale, rows["direction"].iloc[0])
    fig.update_layout(title=title or f"{axis}: providers side by side", xaxis_title="month", yaxis_title=axis,
                      legend_title="provider (UKPRN)")
    return fig
