"""Detector across providers: a provider whose KPI stands far from its peers'."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import ROBUST_Z_LIMIT, anomaly_rows, robust_z
from auditkit.measures.kpis import ALL_AIMS, KPI_BY_ID

#: A KPI is compared only when at least this many providers have a value for it.
MIN_PEERS = 4


@detector("AN_KPI_01", reads=["KPIs (auditkit.measures.kpis)"])
def kpi_outliers(inp: AnomalyInputs) -> pd.DataFrame:
    """A provider whose KPI (a rate) is an outlier among the providers of the case.

    **What it checks**: each provider's latest cumulative value of each rate KPI (drop-out, completion, M2,
    positive outcomes, ...; counts such as starts are left out) over all its bootcamp aims, against the other
    providers': the modified z-score 0.6745 x (value - median) / MAD of Iglewicz and Hoaglin (the mean absolute
    deviation x 0.7979 when MAD is 0). A provider is reported when |z| > 3.5 and at least 4 providers have a
    value; one provider-level row per KPI.
    **Why it matters**: a provider far better than its peers (every learner completes, every one gets a job) may
    be recording outcomes that did not happen; one far worse may be failing its learners. Either way it is where
    an audit sample should look first.
    **Example**: completion rates of 61%, 64%, 66%, 63% and 98%: the last provider's z is about 11, score 1.
    **Score**: min(1, |z| / 7): 0.5 at the 3.5 limit, 1 at twice it.
    **Limits**: with few providers the median and MAD are rough; providers of very different sizes or learner
    mixes differ for good reasons. A provider-level row adds to the provider's risk, not to a learner's.
    """
    values = inp.kpis.latest()
    values = values[values["bootcamp_aim"] == ALL_AIMS]
    ratios = [k for k, kpi in KPI_BY_ID.items() if kpi.unit == "ratio"]
    values = values[values["kpi"].isin(ratios)].dropna(subset=["cumulative_value"])
    if values.empty:
        return pd.DataFrame()
    peers = values.groupby("kpi")["ukprn"].transform("nunique")
    values = values[peers >= MIN_PEERS].assign(_peers=peers[peers >= MIN_PEERS])
    if values.empty:
        return pd.DataFrame()
    values = values.assign(_z=values.groupby("kpi")["cumulative_value"].transform(robust_z),
                           _median=values.groupby("kpi")["cumulative_value"].transform("median"))
    rows = values[values["_z"].abs() > ROBUST_Z_LIMIT]
    if rows.empty:
        return pd.DataFrame()
    side = ["above" if z > 0 else "below" for z in rows["_z"]]
    return anomaly_rows(
        rows, field=rows["kpi"], value=rows["cumulative_value"].map(lambda v: f"{float(v):.1%}"),
        message=[f"{KPI_BY_ID[k].label} {float(v):.1%}, far {s} the providers' median {float(m):.1%}." for k, v, s, m
                 in zip(rows["kpi"], rows["cumulative_value"], side, rows["_median"], strict=True)],
        score=(rows["_z"].abs() / (2 * ROBUST_Z_LIMIT)).clip(upper=1),
        evidence=[f"modified z = {z:.1f} (|z| > {ROBUST_Z_LIMIT}) among {n} providers, median {float(m):.1%}"
                  for z, n, m in zip(rows["_z"], rows["_peers"], rows["_median"], strict=True)],
        learner_level=False)
