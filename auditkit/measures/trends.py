"""KPI trends across returns: the KPIs as they stood at each snapshot return of each provider.

Providers send a return every month or so, each a snapshot of the same learners. :func:`kpi_trends` gives the
KPIs (:func:`auditkit.measures.kpis.kpis`, cumulative per provider and bootcamp aim) as of every snapshot, so an
analyst sees how a provider's figures moved: learners progress, drop out, complete and reach outcomes between
returns, and providers correct or add records. It asks an evaluator for the KPIs of each preparation date;
``auditkit.open_case(...).trends`` passes ``case.as_of(day).kpis``, the case's own rules, milestones and KPIs on
what the snapshot sees (:mod:`auditkit.facts.scope`: ``snapshot_view``, ``evidence_as_of``,
``employers_as_of``).

**What a snapshot sees.** The snapshot of provider P prepared on date D is evaluated on every return loaded that
was prepared on or before D, keeping the latest return of each provider and ILR year among them: that is the
snapshot itself, P's latest earlier-year return as of D (so an M3 in the 2024-25 return finds its bootcamp and
M2 in the 2023-24 return), and the other providers' latest returns as of D (so the whole-dataset rules, such as a
second Milestone 1 for a ULN, see what the funder could have seen on that date). The rules, the milestones and
the KPIs are computed on that view as of D; the last snapshot of each provider therefore gives the same figures
as :func:`auditkit.measures.kpis.kpis` on everything loaded (unless evidence dated after it changes them).
Returns sharing a preparation date share one evaluation.

A snapshot sees the evidence documents dated (``document_date``) on or before its date, and the employer scores
given (``date_contacted``) by then; the evidence checks run on that evidence with the rules, as they do for the
whole case. A document dated before a snapshot but received later counts: it existed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from auditkit.frames.measures import KPI_TRENDS
from auditkit.measures.kpis import KPI_BY_ID, KPIResult, latest_values

#: The KPIs of every provider as of one day (see the module docs for what the snapshot sees):
#: ``auditkit.case.Case.as_of(day).kpis`` is the one the case uses.
SnapshotKPIs = Callable[[pd.Timestamp], KPIResult]


def kpi_trends(returns: pd.DataFrame, evaluate: SnapshotKPIs, *, ukprns: Iterable[int] | None = None,
               kpi_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per provider x snapshot return (ILR year, period) x bootcamp aim (and ``all``) x KPI: the
    cumulative KPI values as of the snapshot's preparation date (see the module docs).

    ``returns`` are the snapshot returns (``ILRData.returns``); ``evaluate(day)`` gives the KPIs as of a day, called
    once per preparation date (``auditkit.open_case(...).trends`` passes ``case.as_of(day).kpis``). ``ukprns``
    limits the providers (their snapshots' dates are still evaluated on every provider's returns); ``kpi_ids`` the
    KPIs.
    """
    returns = returns.dropna(subset=["file_preparation_date"])
    if ukprns is not None:
        returns = returns[returns["ukprn"].isin([int(u) for u in ukprns])]
    wanted = None if kpi_ids is None else list(kpi_ids)
    unknown = [k for k in wanted or [] if k not in KPI_BY_ID]
    if unknown:
        raise ValueError(f"unknown KPI id(s): {', '.join(unknown)}; expected any of {', '.join(KPI_BY_ID)}")
    frames = []
    for day, snapshots in returns.groupby(returns["file_preparation_date"].dt.normalize(), sort=True):
        last = latest_values(evaluate(pd.Timestamp(day)).values)
        if wanted is not None:
            last = last[last["kpi"].isin(wanted)]
        for snap in snapshots.sort_values(["ukprn", "ilr_year", "period_number"]).itertuples(index=False):
            rows = last[last["ukprn"] == snap.ukprn]
            if rows.empty:
                continue
            frames.append(pd.DataFrame({
                "ukprn": rows["ukprn"], "ilr_year": snap.ilr_year, "period": snap.period,
                "return_id": snap.return_id, "as_of": day, "bootcamp_aim": rows["bootcamp_aim"], "kpi": rows["kpi"],
                "numerator": rows["cumulative_numerator"], "denominator": rows["cumulative_denominator"],
                "value": rows["cumulative_value"], "target": rows["target"], "direction": rows["direction"],
                "status": rows["status"]}))
    if not frames:
        return KPI_TRENDS.empty()
    out = pd.concat(frames, ignore_index=True)
    out = KPI_TRENDS.conform(out)
    order = {k: i for i, k in enumerate(KPI_BY_ID)}
    out = out.assign(_all=(out["bootcamp_aim"] == "all").astype(int), _k=out["kpi"].map(order))
    out = out.sort_values(["ukprn", "_all", "bootcamp_aim", "_k", "as_of", "ilr_year", "period"], kind="stable")
    return out.drop(columns=["_all", "_k"]).reset_index(drop=True)


def snapshot_label(trends: pd.DataFrame) -> pd.Series:
    """``"2023-24 R10"`` for each row: how a chart labels a snapshot."""
    return trends["ilr_year"].astype("string") + " " + trends["period"].astype("string")
