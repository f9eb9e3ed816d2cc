"""Detectors on dates: starts bunched before the contract window closes, bootcamps ending just at the 80%
completion threshold, milestone dates shared by many learners."""

from __future__ import annotations

import pandas as pd

from auditkit.anomalies.inputs import AnomalyInputs
from auditkit.anomalies.registry import detector
from auditkit.anomalies.rows import anomaly_rows, poisson_tail
from auditkit.reference.wave5 import M2_COMPLETION_PERCENT, completed_enough

#: The late period: the last this many days of the contract window (inclusive of its last day).
LATE_DAYS = 14
#: Fewer late starts than this are never reported, however low the provider's rate.
MIN_LATE = 5
#: A provider needs this many starts before the late period for its own rate to be a baseline.
MIN_BASELINE = 10
#: Poisson tail probability below which a count is reported as a bunch or a spike.
P_LIMIT = 0.001

#: The spike bin: bootcamps that ran from the threshold to just under this many points above it.
SPIKE_POINTS = 2
#: The neighbourhood the spike is compared with: this many points below and above the threshold.
NEAR_BELOW, NEAR_ABOVE = 30, 15
#: At least this many bootcamps in the spike bin, and a tail probability below this, to report it.
MIN_SPIKE, SPIKE_P_LIMIT = 2, 0.01
#: The expected count per bin is never taken below this (a neighbourhood with no early leavers at all).
MIN_EXPECTED = 0.1

#: A milestone date shared by at least this many learners of one provider is looked at.
MIN_SAME_DAY = 5
#: ... and reported when no more than this share of them ended their bootcamp on one day (a cohort).
MAX_COHORT_SHARE = 0.5
#: The score reaches its size part's maximum at this many learners on the day.
FULL_SAME_DAY = 10


def _fmt(day: object) -> str:
    return pd.Timestamp(day).strftime("%Y-%m-%d")


def _windows(inp: AnomalyInputs, ukprns: pd.Series) -> pd.DataFrame:
    """Each provider's contract start window; the wave window (reference.wave5) without a contract."""
    table = inp.ctx.contract_table()
    out = pd.DataFrame({"ukprn": pd.unique(ukprns)})
    if len(table):
        out = out.merge(table[["ukprn", "start_from", "start_to"]].drop_duplicates("ukprn"), on="ukprn", how="left")
    else:
        out = out.assign(start_from=pd.NaT, start_to=pd.NaT)
    wave_from, wave_to = inp.ctx.wave_window
    return out.assign(start_from=pd.to_datetime(out["start_from"]).fillna(wave_from),
                      start_to=pd.to_datetime(out["start_to"]).fillna(wave_to))


@detector("AN_START_01", reads=["LearnStartDate", "contract start window"])
def late_starts(inp: AnomalyInputs) -> pd.DataFrame:
    """Starts bunched in the last 14 days before the contract window closes, compared with the provider's own rate.

    **What it checks**: for each provider, the bootcamps started in the last 14 days of its contract's start
    window (the wave window of ``reference.wave5`` without a contract) against the number its own rate of starts
    before then predicts (starts per day from its first start in the window to the late period, times 14). It is
    reported when at least 5 starts fall in the late period and a Poisson count at the provider's rate would
    reach that many with probability under 0.001. Every late starter is one row.
    **Why it matters**: a provider that enrols learners in a rush before the window closes may be enrolling
    people to earn Milestone 1 (40% of the price after 14 days) rather than for the training.
    **Example**: 120 starts over 11 months (about 5 every 14 days), then 22 in the last two weeks: each of the 22
    is reported with score 1 - 5/22 = 0.77.
    **Score**: 1 - expected / late starts: the share of the late starts the provider's own rate does not explain.
    **Limits**: a provider whose courses genuinely start in cohorts at the end of the window (a planned last
    intake) looks the same; read the score with the provider's plan. Providers with fewer than 10 earlier starts
    have no baseline and are not assessed.
    """
    b = inp.ctx.all_bootcamps.dropna(subset=["learn_start_date"])
    if b.empty:
        return pd.DataFrame()
    b = b.merge(_windows(inp, b["ukprn"]), on="ukprn", how="left")
    start = pd.to_datetime(b["learn_start_date"])
    late_from = b["start_to"] - pd.Timedelta(days=LATE_DAYS - 1)
    inside = (start >= b["start_from"]) & (start <= b["start_to"])
    b = b[inside].assign(_late=(start >= late_from)[inside], _start=start[inside], _late_from=late_from[inside])
    per = b.groupby("ukprn").agg(late=("_late", "sum"), total=("_late", "size"), first=("_start", "min"),
                                 late_from=("_late_from", "first"), start_to=("start_to", "first"))
    per["earlier"] = per["total"] - per["late"]
    per["days"] = (per["late_from"] - per["first"]).dt.days
    per = per[(per["earlier"] >= MIN_BASELINE) & (per["days"] > 0) & (per["late"] >= MIN_LATE)]
    if per.empty:
        return pd.DataFrame()
    per["rate"] = per["earlier"] / per["days"]
    per["expected"] = per["rate"] * LATE_DAYS
    per["p"] = poisson_tail(per["late"], per["expected"])
    per = per[per["p"] < P_LIMIT]
    rows = b[b["_late"] & b["ukprn"].isin(per.index)].join(
        per[["late", "earlier", "days", "rate", "expected", "p"]], on="ukprn")
    if rows.empty:
        return pd.DataFrame()
    months = rows["days"] / 30.44
    return anomaly_rows(
        rows, field="LearnStartDate", value=rows["_start"].dt.strftime("%Y-%m-%d"),
        message=[f"One of {n} starts in the last {LATE_DAYS} days before the contract window closes ({_fmt(t)}); "
                 f"the provider's own rate before then predicts {e:.1f}." for n, t, e in
                 zip(rows["late"], rows["start_to"], rows["expected"], strict=True)],
        score=1 - rows["expected"] / rows["late"],
        evidence=[f"{n} starts from {_fmt(f)} to {_fmt(t)}; {k} earlier starts over {m:.1f} months "
                  f"({r * 30.44:.1f} a month) predict {e:.1f}; Poisson P(>= {n}) = {p:.1e}" for n, f, t, k, m, r, e, p
                  in zip(rows["late"], rows["_late_from"], rows["start_to"], rows["earlier"], months, rows["rate"],
                         rows["expected"], rows["p"], strict=True)])


@detector("AN_END_01", reads=["LearnStartDate", "LearnPlanEndDate", "LearnActEndDate"])
def ends_at_threshold(inp: AnomalyInputs) -> pd.DataFrame:
    """Bootcamps ending just at or above the 80% completion threshold: a spike where a smooth spread is expected.

    **What it checks**: for each provider, the bootcamps that ran from 80% (``M2_COMPLETION_PERCENT`` of
    ``reference.wave5``, the least that earns Milestone 2) to under 82% of their planned days, against the number
    expected if early ends were spread evenly over the neighbourhood from 50% to 95% (the provider's own bootcamps
    ending there, per 2-point bin, at least 0.1). Reported when at least 2 bootcamps are in the spike bin and a
    Poisson count at the expected rate would reach that many with probability under 0.01; every bootcamp in the
    bin is one row.
    **Why it matters**: an end date set to the first day that earns M2, rather than the day the learner left,
    turns a withdrawal (no M2) into a completion (30% of the price).
    **Example**: three learners end after exactly 76 of 95 planned days (80%) while the provider's other early
    leavers are spread thinly from 50% to 95%: each of the three is reported.
    **Score**: 1 - expected / count in the spike bin.
    **Limits**: a course with a planned early exit (an assessment week at 80%) spikes for a good reason. Few
    early leavers make the expected count small, so two bootcamps at the threshold can be enough.
    """
    b = inp.ctx.all_bootcamps.dropna(subset=["learn_start_date", "learn_plan_end_date", "learn_act_end_date"])
    if b.empty:
        return pd.DataFrame()
    day0 = pd.to_datetime(b["learn_start_date"]).dt.normalize()
    done = (pd.to_datetime(b["learn_act_end_date"]).dt.normalize() - day0).dt.days
    planned = (pd.to_datetime(b["learn_plan_end_date"]).dt.normalize() - day0).dt.days
    b = b[(planned > 0) & (done >= 0)].assign(_pct=100 * done / planned)
    enough = completed_enough(b["learn_start_date"], b["learn_plan_end_date"], b["learn_act_end_date"])
    spike = enough.fillna(False).astype(bool) & (b["_pct"] < M2_COMPLETION_PERCENT + SPIKE_POINTS)
    near = ((b["_pct"] >= M2_COMPLETION_PERCENT - NEAR_BELOW) & (b["_pct"] < M2_COMPLETION_PERCENT + NEAR_ABOVE)
            & ~spike)
    per = pd.DataFrame({"spike": spike.groupby(b["ukprn"]).sum(), "near": near.groupby(b["ukprn"]).sum()})
    width = NEAR_BELOW + NEAR_ABOVE - SPIKE_POINTS
    per["expected"] = (per["near"] * SPIKE_POINTS / width).clip(lower=MIN_EXPECTED)
    per["p"] = poisson_tail(per["spike"], per["expected"])
    per = per[(per["spike"] >= MIN_SPIKE) & (per["p"] < SPIKE_P_LIMIT)]
    rows = b[spike & b["ukprn"].isin(per.index)].join(per, on="ukprn")
    if rows.empty:
        return pd.DataFrame()
    low, high = M2_COMPLETION_PERCENT - NEAR_BELOW, M2_COMPLETION_PERCENT + NEAR_ABOVE
    return anomaly_rows(
        rows, field="LearnActEndDate", value=rows["_pct"].map(lambda p: f"{p:.1f}%"),
        message=[f"Ended after {p:.1f}% of the planned days, one of {n} bootcamps of the provider in "
                 f"{M2_COMPLETION_PERCENT}-{M2_COMPLETION_PERCENT + SPIKE_POINTS}% (the least that earns M2); "
                 f"{e:.2f} expected." for p, n, e in zip(rows["_pct"], rows["spike"], rows["expected"], strict=True)],
        score=1 - rows["expected"] / rows["spike"],
        evidence=[f"{n} bootcamps ended at {M2_COMPLETION_PERCENT}-{M2_COMPLETION_PERCENT + SPIKE_POINTS}% vs {k} "
                  f"spread over {low}-{high}% ({e:.2f} per {SPIKE_POINTS}-point bin); Poisson P(>= {n}) = {p:.1e}"
                  for n, k, e, p in zip(rows["spike"], rows["near"], rows["expected"], rows["p"], strict=True)])


@detector("AN_DATE_01", reads=["M2 and M3 dates (milestones)", "LearnActEndDate"])
def milestone_same_day(inp: AnomalyInputs) -> pd.DataFrame:
    """M2 or M3 dates shared by many learners of one provider whose bootcamps ended on different days.

    **What it checks**: for each provider and milestone (M2, M3), the days on which at least 5 learners' claimed
    milestone is dated. A cohort that finished together shares its M2 day for a good reason, so a day is reported
    only when no more than half of those learners ended their bootcamp on the same day. Every learner of such a
    day is one row.
    **Why it matters**: milestone evidence (interview offers, job offers) dated in a batch, for learners who
    finished at different times, suggests it was produced for the claim, not by the events.
    **Example**: 7 learners' M2 dated 2024-11-29 whose bootcamps ended on 6 different days: each is reported with
    score 0.7 x (1 - 2/7) = 0.5.
    **Score**: min(1, learners on the day / 10) x (1 - the largest share that ended their bootcamp on one day).
    **Limits**: a provider that records milestones on a fixed day (a monthly claims day) rather than on the day of
    the event shows the same pattern: it is then a recording practice to query, not necessarily a false claim.
    """
    m = inp.milestones
    m = m[m["milestone"].isin(["M2", "M3"]) & m["claimed"].fillna(False).astype(bool)]
    m = m.assign(_day=pd.to_datetime(m["milestone_date"], errors="coerce").dt.normalize(),
                 _end=pd.to_datetime(m["learn_act_end_date"], errors="coerce").dt.normalize()).dropna(subset=["_day"])
    if m.empty:
        return pd.DataFrame()
    keys = ["ukprn", "milestone", "_day"]
    size = m.groupby(keys)["learn_ref_number"].transform("size")
    m = m[size >= MIN_SAME_DAY]
    if m.empty:
        return pd.DataFrame()
    cohort = m.groupby([*keys, "_end"], dropna=False)["learn_ref_number"].transform("size")
    m = m.assign(_n=m.groupby(keys)["learn_ref_number"].transform("size"),
                 _cohort=cohort.groupby([m[k] for k in keys]).transform("max"),
                 _ends=m.groupby(keys)["_end"].transform("nunique"))
    m = m[m["_cohort"] / m["_n"] <= MAX_COHORT_SHARE]
    if m.empty:
        return pd.DataFrame()
    return anomaly_rows(
        m, field=m["milestone"] + " date", value=m["_day"].dt.strftime("%Y-%m-%d"),
        message=[f"{ms} dated {_fmt(d)} like {n - 1} other learners of the provider, whose bootcamps ended on "
                 f"{e} different days." for ms, d, n, e in zip(m["milestone"], m["_day"], m["_n"], m["_ends"],
                                                                strict=True)],
        score=(m["_n"] / FULL_SAME_DAY).clip(upper=1) * (1 - m["_cohort"] / m["_n"]),
        evidence=[f"{n} learners' {ms} on {_fmt(d)}; at most {c} of them ended their bootcamp on one day"
                  for n, ms, d, c in zip(m["_n"], m["milestone"], m["_day"], m["_cohort"], strict=True)])
