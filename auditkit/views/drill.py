"""Drilling into a KPI point: the learners behind a value on a chart (pure functions, tested without Jupyter).

A point of :func:`auditkit.views.charts.kpi_chart` carries ``(ukprn, bootcamp_aim, kpi, month)``; a point of
:func:`auditkit.views.charts.kpi_trend_chart` carries ``(ukprn, bootcamp_aim, kpi, return_id)``: the KPI as it
stood at that return, whose members come from the case as of the return's preparation date.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from auditkit.case import Case

MEMBER_COLUMNS = ["ukprn", "bootcamp_aim", "month", "learn_ref_number", "uln", "aim_seq_number", "role",
                  "event_date", "employer_id"]


def members_behind(case: Case, point: Sequence[object], *, by: str = "months") -> pd.DataFrame:
    """The members behind one chart point (``by``: ``months`` or ``returns``; see the module), numerator members
    first, then by learner."""
    ukprn, aim, kpi, where = int(str(point[0])), str(point[1]), str(point[2]), str(point[3])
    if by == "returns":
        returns = case.data.returns
        row = returns[returns["return_id"] == where]
        if row.empty:
            raise ValueError(f"return {where} is not among the returns read")
        snapshot = case.as_of(pd.Timestamp(row["file_preparation_date"].iloc[0]))
        values = snapshot.kpis.values
        mine = values[(values["ukprn"] == ukprn) & (values["kpi"] == kpi)]
        if mine.empty:
            return pd.DataFrame(columns=MEMBER_COLUMNS)
        members = snapshot.kpis.members_of(ukprn, aim, kpi, mine["month"].max())
    elif by == "months":
        members = case.kpis.members_of(ukprn, aim, kpi, where)
    else:
        raise ValueError(f"by must be months or returns, not {by!r}")
    out = members.sort_values(["role", "ukprn", "learn_ref_number"], ascending=[False, True, True], kind="stable")
    return out[[c for c in MEMBER_COLUMNS if c in out.columns]].reset_index(drop=True)
