"""KPIs of the spec (``milestones-and-kpis.md``) per provider and bootcamp aim, per month and cumulative.

:func:`kpis` turns the milestone frame (:mod:`auditkit.funding.milestones`) of a context, and optionally the evidence
tracker and the employer register, into a :class:`KPIResult`:

- ``values``: one row per provider x bootcamp aim (and an ``"all"`` total per provider) x KPI x calendar month,
  with the month's numerator and denominator, the cumulative ones up to the end of that month, the target and a
  red / amber / green status;
- ``members``: one row per bootcamp aim (or employer) behind a value, with its role (numerator or denominator),
  so a chart point can be drilled into (:meth:`KPIResult.members_of`).

How the months work: each KPI names **one event date** per member; the member is counted in the calendar month of
that date, as a denominator member and, when it meets the numerator's condition as of the return's preparation
date, also as a numerator member of the same month. A month's value is therefore the rate of the *cohort* whose
event fell in that month, and the cumulative value at a month is the rate over every cohort up to it: the
cumulative value of the last month is the provider's figure as of the return. Numerator members are always a
subset of the denominator members of the same row.

Counts are of bootcamp aims (a learner on two bootcamps counts twice), except employer satisfaction, which
counts employers. The KPIs (see :data:`KPIS` for the same in code):

=====================  ====================================  ==================================================
KPI (month event)      denominator                           numerator
=====================  ====================================  ==================================================
starts                 -                                     bootcamp aims started (LearnStartDate)
m1_achieved            -                                     aims whose Milestone 1 is earned (M1 date:
                                                             LearnStartDate + 14 days)
drop_out_rate          aims whose M1 is earned (M1 date)     ... withdrawn (CompStatus 3) after the M1 date;
                                                             target at most 20%
completion_rate        aims whose M1 is earned (M1 date)     ... completed (CompStatus 2); no target
m2_rate                completers: CompStatus 2              ... whose Milestone 2 is earned; target 100%
                       (LearnActEndDate)
positive_outcome_rate  completers whose 6-month window       ... with M3 earned, or a positive destination
                       (LearnActEndDate + 6 months) closed   (see :func:`positive_destination_codes`); target
                       before the as-of date (window end)    at least 70%
co_funding_compliance  co-funded aims (FFI 2)                ... with a contribution recorded (PSM
                       (LearnStartDate)                      ``Contribution 10/30``), not contradicted by the
                                                             employer's size in the register, and paid in full
                                                             (employer_contribution_payment amounts >= rate x
                                                             price; any payment when the price is unknown);
                                                             target 100%; needs evidence
employer_satisfaction  employers of the provider with a      ... scoring 3 or more (of 0-5); per provider only;
                       satisfaction score (date_contacted)   target 100%; needs the employer register
new_skills             completers (LearnActEndDate)          ... with an initial_assessment and a
                                                             final_assessment in the evidence; target 100%
referral               unsuccessful aims: withdrawn          ... with a referral_record in the evidence; target
                       (LearnActEndDate), or completed       100%
                       without a positive outcome once the
                       6-month window closed (window end)
destination_recorded   leavers (CompStatus 2 or 3) whose     ... with a WMCA destination code in the bootcamp
                       2-month window (LearnActEndDate + 2   aim's PSM fields, or a DPOutcome collected within
                       months) closed before the as-of date  2 months of leaving; target 100%
                       (window end)
=====================  ====================================  ==================================================

A **positive destination** is a WMCA code of :func:`positive_destination_codes` in the bootcamp aim's PSM fields,
or a DPOutcome of the learner (same provider, LearnRefNumber or ULN) whose OutType and OutCode are a positive ESFA
destination in the WMCA table (:func:`positive_out_types`), starting within the 6-month window. An **employer
belongs to a provider** when a learner of the provider has it as EmpId in an employment status, or the provider's
evidence names it (matched to the register by name, as :func:`auditkit.readers.employers.employer_key` compares
names); a co-funded learner's employer is its EmpId at the start, else the employer on its contribution evidence.

**Rows**: each provider x aim x KPI has a row for every month from its first event to the provider's as-of month (or
a later event); each provider has an ``all`` row for every KPI, one at the as-of month when nothing happened.

The **as-of date** of a provider is the latest preparation date of its returns in the context. A KPI that needs
the evidence tracker (or the employer register) gives, when it is not loaded, or when it holds nothing for the
provider, the denominator with an NA numerator and value and status ``not-evaluated``: never a silent 0%.
Without the employer register, co-funding compliance is evaluated without the size check (a note says so).

Status (on the cumulative value, the KPI as at the end of the month): for an "at least T" target, green at T or
more, amber within 5 percentage points below T, red further below; for an "at most T" target (drop-out), green at
T or less, amber up to T + 5 points, red above. KPIs without a target have an NA status; a target KPI with no
denominator yet, or not evaluated, is ``not-evaluated``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditkit.facts.context import RuleContext
from auditkit.frames.measures import KPI_MEMBERS, KPI_VALUES
from auditkit.readers.employers import employer_id_key
from auditkit.reference.tables import destination_codes
from auditkit.reference.uln import usable_uln
from auditkit.reference.wave5 import (
    CO_FUNDED,
    CONTRIBUTION_PERCENT,
    destination_deadline,
    m1_date,
    m3_deadline,
    rate_percent_for_size,
)

#: ``bootcamp_aim`` of the provider totals.
ALL_AIMS = "all"
GREEN, AMBER, RED, NOT_EVALUATED = "green", "amber", "red", "not-evaluated"
STATUSES = (GREEN, AMBER, RED, NOT_EVALUATED)
#: Percentage points within which a value short of its target is amber.
AMBER_POINTS = 5.0
AT_LEAST, AT_MOST = "at-least", "at-most"
NUMERATOR, DENOMINATOR = "numerator", "denominator"
EVIDENCE, EMPLOYERS = "evidence", "employers"


@dataclass(frozen=True)
class KPI:
    """One KPI of the spec: what it counts, in which month, and its target."""

    id: str
    label: str
    unit: str  # "count" or "ratio"
    month: str  # the event whose calendar month a member is counted in
    numerator: str
    denominator: str = ""
    target: float | None = None  # a ratio (0.2 = 20%)
    direction: str | None = None  # AT_LEAST or AT_MOST
    needs: tuple[str, ...] = ()
    per_provider_only: bool = False


KPIS: tuple[KPI, ...] = (
    KPI("starts", "Starts", "count", "LearnStartDate", "bootcamp aims started"),
    KPI("m1_achieved", "M1 achieved", "count", "M1 date (LearnStartDate + 14 days)",
        "bootcamp aims whose Milestone 1 is earned"),
    KPI("drop_out_rate", "Drop-out rate", "ratio", "M1 date (LearnStartDate + 14 days)",
        "of those, withdrawn (CompStatus 3) after the M1 date, before completing",
        "bootcamp aims whose Milestone 1 is earned", 0.20, AT_MOST),
    KPI("completion_rate", "Completion rate", "ratio", "M1 date (LearnStartDate + 14 days)",
        "of those, completed (CompStatus 2)", "bootcamp aims whose Milestone 1 is earned"),
    KPI("m2_rate", "Interview / M2 rate", "ratio", "LearnActEndDate", "of those, Milestone 2 earned",
        "completers (CompStatus 2)", 1.0, AT_LEAST),
    KPI("positive_outcome_rate", "Positive outcome rate", "ratio", "end of the 6-month window (LearnActEndDate + 6 "
        "months)", "of those, Milestone 3 earned or a positive destination",
        "completers whose 6-month window closed before the as-of date", 0.70, AT_LEAST),
    KPI("co_funding_compliance", "Co-funding compliance", "ratio", "LearnStartDate",
        "of those, contribution recorded, matching the employer's size, and paid in full",
        "co-funded bootcamp aims (FFI 2)", 1.0, AT_LEAST, (EVIDENCE,)),
    KPI("employer_satisfaction", "Employer satisfaction", "ratio", "date_contacted (register)",
        "of those, scoring 3 or more of 0-5", "employers of the provider with a satisfaction score", 1.0,
        AT_LEAST, (EMPLOYERS,), per_provider_only=True),
    KPI("new_skills", "New skills", "ratio", "LearnActEndDate",
        "of those, an initial and a final assessment in the evidence", "completers (CompStatus 2)", 1.0,
        AT_LEAST, (EVIDENCE,)),
    KPI("referral", "Referral", "ratio", "LearnActEndDate (withdrawn) or end of the 6-month window (completed)",
        "of those, a referral record in the evidence",
        "unsuccessful: withdrawn (CompStatus 3), or completed without a positive outcome once the 6-month window "
        "closed", 1.0, AT_LEAST, (EVIDENCE,)),
    KPI("destination_recorded", "Destination recorded", "ratio", "end of the 2-month window (LearnActEndDate + 2 "
        "months)", "of those, a WMCA destination code in PSM or a DPOutcome collected within 2 months",
        "leavers (CompStatus 2 or 3) whose 2-month window closed before the as-of date", 1.0, AT_LEAST),
)
KPI_BY_ID: dict[str, KPI] = {k.id: k for k in KPIS}
KPI_IDS: tuple[str, ...] = tuple(KPI_BY_ID)

def month_label(value: object) -> str:
    """``"2024-05"`` for a date, timestamp or ``"2024-05[-dd]"`` text."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        return value.strip()
    return pd.Timestamp(value).strftime("%Y-%m")


@dataclass
class KPIResult:
    """KPI values, the members behind them, and what could not be evaluated."""

    values: pd.DataFrame
    members: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def members_of(self, ukprn: int, bootcamp_aim: str, kpi: str, month: object, cumulative: bool = True,
                   role: str | None = None) -> pd.DataFrame:
        """The members behind one value: of that month, or (``cumulative``) of every month up to it.

        ``bootcamp_aim="all"`` gives the members of every aim of the provider. ``role`` keeps only numerator or
        denominator members.
        """
        m = self.members
        keep = (m["ukprn"] == int(ukprn)) & (m["kpi"] == kpi)
        if bootcamp_aim != ALL_AIMS:
            keep &= m["bootcamp_aim"] == bootcamp_aim
        label = month_label(month)
        keep &= (m["month"] <= label) if cumulative else (m["month"] == label)
        if role is not None:
            keep &= m["role"] == role
        return m[keep.fillna(False).astype(bool)].reset_index(drop=True)

    def latest(self) -> pd.DataFrame:
        """The last month of each provider, aim and KPI: the figures as of the return."""
        return latest_values(self.values)


def latest_values(values: pd.DataFrame) -> pd.DataFrame:
    """The last month's row of each provider, bootcamp aim and KPI (its cumulative columns are the totals)."""
    if values.empty:
        return values
    last = values.sort_values(["ukprn", "bootcamp_aim", "kpi", "month"], kind="stable")
    last = last.drop_duplicates(["ukprn", "bootcamp_aim", "kpi"], keep="last")
    return _sorted(last)


# -- destinations ------------------------------------------------------------------------------------------

def positive_destination_codes() -> frozenset[str]:
    """WMCA destination codes counted as a positive outcome: the WMCA measure is positive, or it is neutral (or
    absent) and the ESFA destination is positive. So ``WMCA1.0`` (paid employment) and ``WMCA5.1`` (voluntary
    work) count, ``WMCA10.2`` (other FE at the same or a lower level) and ``WMCA13.1`` do not."""
    t = destination_codes()
    wmca = t["wmca_category"].fillna("neutral")
    positive = (wmca == "positive") | ((wmca == "neutral") & (t["esfa_category"] == "positive"))
    return frozenset(t.loc[positive.fillna(False).astype(bool), "wmca_code"])


def positive_out_types() -> frozenset[tuple[str, int]]:
    """ESFA DPOutcome (OutType, OutCode) pairs that are positive destinations in the WMCA table."""
    t = destination_codes()
    t = t[t["esfa_category"] == "positive"]
    return frozenset((str(a), int(b)) for a, b in zip(t["esfa_out_type"], t["esfa_out_code"], strict=True))


# -- the aims ----------------------------------------------------------------------------------------------

_AIM_KEY = ["ukprn", "learn_ref_number", "return_id", "aim_seq_number"]


def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize().astype("datetime64[ns]")


def _aims(milestones: pd.DataFrame) -> pd.DataFrame:
    """One row per bootcamp aim: the M1 row's facts plus ``m1``, ``m2``, ``m3`` earned and the M1 date."""
    ms = milestones
    m1 = ms[ms["milestone"] == "M1"].copy()
    m1 = m1.rename(columns={"earned": "m1", "milestone_date": "m1_date"})
    for label in ("M2", "M3"):
        rows = ms[ms["milestone"] == label][[*_AIM_KEY, "earned"]]
        rows = rows.assign(earned=rows["earned"].fillna(False).astype(bool))
        rows = rows.groupby(_AIM_KEY, dropna=False)["earned"].any().rename(label.lower()).reset_index()
        m1 = m1.merge(rows, on=_AIM_KEY, how="left")
        m1[label.lower()] = m1[label.lower()].fillna(False).astype(bool)
    m1["m1"] = m1["m1"].fillna(False).astype(bool)
    start = _day(m1["learn_start_date"])
    m1["m1_date"] = _day(m1["m1_date"]).fillna(m1_date(start))
    m1["start"] = start
    m1["end"] = _day(m1["learn_act_end_date"])
    return m1.reset_index(drop=True)


def _as_of(ctx: Any, aims: pd.DataFrame, as_of: Any) -> pd.Series:
    """The as-of date of each aim's provider."""
    if as_of is not None:
        if isinstance(as_of, dict):
            mapping = {int(k): pd.Timestamp(v) for k, v in as_of.items()}
            return aims["ukprn"].map(mapping).astype("datetime64[ns]")
        return pd.Series(pd.Timestamp(as_of), index=aims.index, dtype="datetime64[ns]")
    dates = provider_as_of(ctx)
    return aims["ukprn"].map(dates).astype("datetime64[ns]")


def provider_as_of(ctx: RuleContext) -> pd.Series:
    """Latest preparation date of each provider's returns in the context's scope (index: ukprn)."""
    r = ctx.returns
    return _day(r["file_preparation_date"]).groupby(r["ukprn"]).max()


def _psm_of(ctx: Any, aims: pd.DataFrame) -> pd.DataFrame:
    """PSM texts of the bootcamp aims: ``_i`` (aims index), ``text`` (stripped)."""
    if ctx is None or aims.empty:
        return pd.DataFrame({"_i": pd.Series(dtype=int), "text": pd.Series(dtype="string")})
    psm = ctx.all_psm
    left = aims[_AIM_KEY].reset_index(names="_i")
    out = left.merge(psm, on=_AIM_KEY, how="inner")
    return out.assign(text=out["text"].astype("string").str.strip())[["_i", "text"]]


def _dp_outcomes(ctx: Any, aims: pd.DataFrame) -> pd.DataFrame:
    """DPOutcomes of each aim's learner in scope (same provider, same LearnRefNumber or ULN): ``_i``,
    ``out_type``, ``out_code``, ``out_start_date``, ``out_coll_date``."""
    cols = ["_i", "out_type", "out_code", "out_start_date", "out_coll_date"]
    if ctx is None or aims.empty or ctx.data.dp_outcomes.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    dp = ctx.data.dp_outcomes
    dp = dp.assign(out_type=dp["out_type"].astype("string").str.strip().str.upper())
    left = aims[["ukprn", "learn_ref_number", "uln"]].reset_index(names="_i")
    facts = ["out_type", "out_code", "out_start_date", "out_coll_date"]  # distinct ones (bounded for shared ULNs)
    by_lrn = left.drop(columns="uln").merge(dp[["ukprn", "learn_ref_number", *facts]].drop_duplicates(),
                                            on=["ukprn", "learn_ref_number"])
    by_uln = left[usable_uln(left["uln"])].drop(columns="learn_ref_number").merge(
        dp[usable_uln(dp["uln"])][["ukprn", "uln", *facts]].drop_duplicates(), on=["ukprn", "uln"])
    out = pd.concat([by_lrn[cols], by_uln[cols]], ignore_index=True)
    return out.drop_duplicates()


def _flag(aims: pd.DataFrame, index: Any) -> pd.Series:
    return pd.Series(aims.index.isin(list(pd.unique(pd.Series(index)))), index=aims.index, dtype=bool)


def _destinations(ctx: Any, aims: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(positive destination, destination recorded within 2 months) for each aim."""
    psm = _psm_of(ctx, aims)
    table = set(destination_codes()["wmca_code"])
    code = psm[psm["text"].isin(table).fillna(False).astype(bool)]
    positive_psm = code[code["text"].isin(positive_destination_codes())]["_i"]
    dp = _dp_outcomes(ctx, aims)
    positive_pairs = positive_out_types()
    if len(dp):
        pair_ok = pd.Series([(str(t), int(c)) in positive_pairs if not (pd.isna(t) or pd.isna(c)) else False
                             for t, c in zip(dp["out_type"], dp["out_code"], strict=True)], index=dp.index)
        ends = aims["end"].reindex(dp["_i"]).to_numpy()
        limit6 = m3_deadline(pd.Series(pd.to_datetime(ends), index=dp.index))
        limit2 = destination_deadline(pd.Series(pd.to_datetime(ends), index=dp.index))
        started = _day(dp["out_start_date"])
        in_time = (started.isna() | (started <= limit6)).fillna(True).astype(bool)
        positive_dp = dp[pair_ok & in_time]["_i"]
        coll = _day(dp["out_coll_date"])
        recorded_dp = dp[(coll <= limit2).fillna(False).astype(bool)]["_i"]
    else:
        positive_dp = recorded_dp = pd.Series(dtype=int)
    positive = _flag(aims, pd.concat([positive_psm, positive_dp]))
    recorded = _flag(aims, pd.concat([code["_i"], recorded_dp]))
    return positive, recorded


# -- evidence and employers ----------------------------------------------------------------------------------

def _norm_name(s: pd.Series) -> pd.Series:
    """Employer names compared as the employer register reader compares them."""
    from auditkit.readers.employers import employer_key

    return employer_key(s)


def _evidence_types(evidence: pd.DataFrame | None, aims: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows of each aim's learner: ``_i``, ``evidence_type``, ``amount``, ``employer``."""
    cols = ["_i", "evidence_type", "amount", "employer"]
    if evidence is None or evidence.empty or aims.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    ev = evidence.assign(ukprn=pd.to_numeric(evidence["ukprn"], errors="coerce").astype("Int64"),
                         learn_ref_number=evidence["learn_ref_number"].astype("string").str.strip(),
                         evidence_type=evidence["evidence_type"].astype("string").str.strip())
    for c in ("amount", "employer"):
        if c not in ev:
            ev[c] = pd.NA
    left = aims[["ukprn", "learn_ref_number"]].astype({"learn_ref_number": "string"}).reset_index(names="_i")
    return left.merge(ev[["ukprn", "learn_ref_number", "evidence_type", "amount", "employer"]],
                      on=["ukprn", "learn_ref_number"])[cols]


def _covered(evidence: pd.DataFrame | None) -> set[int]:
    """Providers the evidence tracker has rows for."""
    if evidence is None or evidence.empty:
        return set()
    return set(pd.to_numeric(evidence["ukprn"], errors="coerce").dropna().astype(int))


def _employer_of(ctx: Any, aims: pd.DataFrame, ev: pd.DataFrame, employers: pd.DataFrame | None) -> pd.Series:
    """The employer id of each aim's employer (as compared: :func:`~auditkit.readers.employers.employer_id_key`):
    EmpId at the start, else the employer named on the contribution evidence, matched to the register by name."""
    out = pd.Series(pd.NA, index=aims.index, dtype="string")
    if ctx is not None and len(aims) and {"return_id", "learn_start_date"} <= set(aims.columns):
        status = ctx.status_at_start(aims.assign(aim_seq_number=aims["aim_seq_number"]))
        if "emp_id" in status:
            out = employer_id_key(status["emp_id"].astype("Int64")).reindex(aims.index)
    if employers is not None and len(employers) and len(ev):
        named_ids = pd.DataFrame({"name": _norm_name(employers["name"]),
                                  "id": employer_id_key(employers["employer_id"])})
        named_ids = named_ids.dropna().drop_duplicates("name")
        names = dict(zip(named_ids["name"], named_ids["id"], strict=True))
        named = ev[ev["evidence_type"].isin(["employer_contribution_payment", "employer_contribution_invoice",
                                             "employment_status_declaration"]) & ev["employer"].notna()]
        named = named.assign(_id=_norm_name(named["employer"]).map(names)).dropna(subset=["_id"])
        first = named.drop_duplicates("_i").set_index("_i")["_id"]
        missing = out.isna() & out.index.isin(first.index)
        out[missing] = first.reindex(out.index[missing]).astype("string")
    return out


def _register(employers: pd.DataFrame) -> pd.DataFrame:
    """The register with ids as compared (``employer_id_key``); rows without an id left out (they match
    nothing)."""
    reg = employers.copy()
    reg["employer_id"] = employer_id_key(reg["employer_id"])
    reg = reg[reg["employer_id"].notna()]
    reg["size"] = reg["size"].astype("string").str.strip().str.lower() if "size" in reg else pd.NA
    reg["satisfaction"] = pd.to_numeric(reg["satisfaction"], errors="coerce") if "satisfaction" in reg else np.nan
    reg["date_contacted"] = (pd.to_datetime(reg["date_contacted"], errors="coerce") if "date_contacted" in reg
                             else pd.NaT)
    return reg


# -- facts per KPI -----------------------------------------------------------------------------------------

_FACT_COLUMNS = ["ukprn", "bootcamp_aim", "learn_ref_number", "uln", "aim_seq_number", "return_id", "employer_id",
                 "event_date", "in_num"]


def _facts(aims: pd.DataFrame, rows: pd.Series, event: pd.Series, in_num: pd.Series | None) -> pd.DataFrame:
    """Members of one KPI: the aims where ``rows``, placed by ``event``; ``in_num`` True for numerator members
    (None: a count KPI, every row is a numerator member)."""
    rows = rows.fillna(False).astype(bool) & event.notna()
    sel = aims[rows]
    out = pd.DataFrame({
        "ukprn": sel["ukprn"].astype("Int64"), "bootcamp_aim": sel["bootcamp_aim"].astype("string"),
        "learn_ref_number": sel["learn_ref_number"].astype("string"), "uln": sel["uln"].astype("string"),
        "aim_seq_number": sel["aim_seq_number"].astype("Int64"), "return_id": sel["return_id"].astype("string"),
        "employer_id": pd.Series(pd.NA, index=sel.index, dtype="string"),
        "event_date": event[rows].astype("datetime64[ns]"),
        "in_num": (pd.Series(pd.NA, index=sel.index, dtype="boolean") if in_num is None
                   else in_num[rows].astype("boolean")),
    })
    return out.reset_index(drop=True)


@dataclass
class _Facts:
    frame: pd.DataFrame
    count: bool = False
    #: providers for which the numerator could not be evaluated, with the reason
    not_evaluated: dict[int, str] = field(default_factory=dict)


def _all_facts(ctx: Any, aims: pd.DataFrame, as_of: pd.Series, evidence: pd.DataFrame | None,
               employers: pd.DataFrame | None, providers: list[int], notes: list[str],
               dates: dict[int, pd.Timestamp]) -> dict[str, _Facts]:
    comp = aims["comp_status"]
    end = aims["end"]
    completed = (comp == 2).fillna(False).astype(bool)
    withdrawn = (comp == 3).fillna(False).astype(bool)
    m1 = aims["m1"]
    window6 = m3_deadline(end).astype("datetime64[ns]")
    window2 = destination_deadline(end).astype("datetime64[ns]")
    undated = int(((completed | withdrawn) & end.isna()).sum())
    if undated:
        notes.append(f"{undated} completed or withdrawn bootcamp aim(s) have no LearnActEndDate: left out of the KPIs "
                     "placed by it (m2_rate, positive_outcome_rate, new_skills, referral, destination_recorded)")
    positive_dest, recorded = _destinations(ctx, aims)
    positive = aims["m3"] | positive_dest
    outcome_due = completed & (window6 < as_of).fillna(False).astype(bool)
    out: dict[str, _Facts] = {}
    out["starts"] = _Facts(_facts(aims, pd.Series(True, index=aims.index), aims["start"], None), count=True)
    out["m1_achieved"] = _Facts(_facts(aims, m1, aims["m1_date"], None), count=True)
    dropped = withdrawn & ~(end < aims["m1_date"]).fillna(False).astype(bool)
    out["drop_out_rate"] = _Facts(_facts(aims, m1, aims["m1_date"], dropped))
    out["completion_rate"] = _Facts(_facts(aims, m1, aims["m1_date"], completed))
    out["m2_rate"] = _Facts(_facts(aims, completed, end, aims["m2"]))
    out["positive_outcome_rate"] = _Facts(_facts(aims, outcome_due, window6, positive))
    due2 = (completed | withdrawn) & (window2 < as_of).fillna(False).astype(bool)
    out["destination_recorded"] = _Facts(_facts(aims, due2, window2, recorded))

    # evidence KPIs: numerator NA where the tracker is not loaded or holds nothing for the provider
    covered = _covered(evidence)
    ev = _evidence_types(evidence, aims)
    missing_ev = {}
    for p in providers:
        if evidence is None:
            missing_ev[p] = "no evidence tracker loaded"
        elif p not in covered:
            missing_ev[p] = "the evidence tracker has no rows for this provider"
    has = {t: _flag(aims, ev.loc[ev["evidence_type"] == t, "_i"]) for t in
           ("initial_assessment", "final_assessment", "referral_record")}
    out["new_skills"] = _Facts(_facts(aims, completed, end, has["initial_assessment"] & has["final_assessment"]),
                               not_evaluated=dict(missing_ev))
    unsuccessful_event = end.where(withdrawn, window6.where(outcome_due & ~positive))
    unsuccessful = withdrawn | (outcome_due & ~positive)
    out["referral"] = _Facts(_facts(aims, unsuccessful, unsuccessful_event, has["referral_record"]),
                             not_evaluated=dict(missing_ev))
    out["co_funding_compliance"] = _Facts(
        _co_funding(ctx, aims, ev, employers, notes), not_evaluated=dict(missing_ev))
    out["employer_satisfaction"] = _satisfaction(ctx, aims, ev, employers, providers, dates)
    return out


def _co_funding(ctx: Any, aims: pd.DataFrame, ev: pd.DataFrame, employers: pd.DataFrame | None,
                notes: list[str]) -> pd.DataFrame:
    co = (aims["learner_type"] == CO_FUNDED).fillna(False).astype(bool)
    rate = pd.to_numeric(aims["contribution"], errors="coerce")
    rates = [percent / 100 for percent in CONTRIBUTION_PERCENT.values()]
    recorded = rate.isin(rates) | np.logical_or.reduce([np.isclose(rate.fillna(-1), r) for r in rates])
    right = pd.Series(recorded, index=aims.index).astype(bool)
    if employers is not None and len(employers):
        reg = _register(employers).drop_duplicates("employer_id").set_index("employer_id")
        emp = _employer_of(ctx, aims[co], ev, employers).reindex(aims.index)
        size = emp.map(reg["size"]).astype("string") if len(reg) else pd.Series(pd.NA, index=aims.index)
        expected = (rate_percent_for_size(size) / 100).astype("Float64")
        contradicts = (expected.notna() & ~np.isclose(rate.fillna(-1).astype(float),
                                                       expected.fillna(-2).astype(float)))
        right &= ~pd.Series(contradicts, index=aims.index).fillna(False).astype(bool)
    elif co.any():
        notes.append("co_funding_compliance: no employer register loaded, so the contribution rate was not "
                     "checked against the employer's size")
    payments = ev[ev["evidence_type"] == "employer_contribution_payment"]
    paid = pd.to_numeric(payments["amount"], errors="coerce").groupby(payments["_i"]).sum(min_count=1)
    paid = paid.reindex(aims.index)
    has_payment = _flag(aims, payments["_i"])
    due = rate * pd.to_numeric(aims["price"], errors="coerce").astype(float)
    in_full = has_payment & (due.isna() | (paid.fillna(0) >= due - 0.005))
    return _facts(aims, co, aims["start"], right & in_full.fillna(False).astype(bool))


def _satisfaction(ctx: Any, aims: pd.DataFrame, ev: pd.DataFrame, employers: pd.DataFrame | None,
                  providers: list[int], dates: dict[int, pd.Timestamp]) -> _Facts:
    if employers is None:
        return _Facts(pd.DataFrame(columns=_FACT_COLUMNS), not_evaluated={p: "no employer register loaded"
                                                                          for p in providers})
    reg = _register(employers).drop_duplicates("employer_id")
    links = []
    if ctx is not None and len(ctx.data.employment_statuses):
        st = ctx.data.employment_statuses.dropna(subset=["emp_id"])
        links.append(pd.DataFrame({"ukprn": st["ukprn"].astype("Int64"),
                                   "employer_id": employer_id_key(st["emp_id"].astype("Int64"))}))
    if len(ev):
        names = dict(zip(_norm_name(reg["name"]), reg["employer_id"], strict=True))
        named = ev.dropna(subset=["employer"])
        ids = _norm_name(named["employer"]).map(names)
        links.append(pd.DataFrame({"ukprn": aims.loc[named["_i"], "ukprn"].astype("Int64").to_numpy(),
                                   "employer_id": ids.astype("string").to_numpy()}))
    if not links:
        return _Facts(pd.DataFrame(columns=_FACT_COLUMNS))
    link = pd.concat(links, ignore_index=True).dropna().drop_duplicates()
    link = link[link["ukprn"].isin(providers)]
    rows = link.merge(reg[["employer_id", "satisfaction", "date_contacted"]], on="employer_id")
    rows = rows[rows["satisfaction"].notna()]
    fallback = pd.to_datetime(pd.Series([dates.get(int(u), pd.NaT) for u in rows["ukprn"]], index=rows.index,
                                        dtype=object)).astype("datetime64[ns]")
    event = _day(rows["date_contacted"]).fillna(fallback)
    facts = pd.DataFrame({
        "ukprn": rows["ukprn"].astype("Int64"), "bootcamp_aim": pd.Series(ALL_AIMS, index=rows.index, dtype="string"),
        "learn_ref_number": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "uln": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "aim_seq_number": pd.Series(pd.NA, index=rows.index, dtype="Int64"),
        "return_id": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "employer_id": rows["employer_id"].astype("string"), "event_date": event,
        "in_num": (rows["satisfaction"] >= 3).astype("boolean"),
    })
    return _Facts(facts[facts["event_date"].notna()].reset_index(drop=True))


# -- aggregation ---------------------------------------------------------------------------------------------

def kpi_status(value: pd.Series, kpi: KPI | str) -> pd.Series:
    """Red / amber / green of ratios ``value`` against a KPI's target (see the module docs); ``not-evaluated``
    where the value is NA; NA for a KPI without a target."""
    kpi = KPI_BY_ID[kpi] if isinstance(kpi, str) else kpi
    value = pd.Series(value, dtype="Float64")
    if kpi.target is None:
        return pd.Series(pd.NA, index=value.index, dtype="string")
    pct = value.astype("Float64") * 100
    target = kpi.target * 100
    eps = 1e-9
    if kpi.direction == AT_MOST:
        green, amber = pct <= target + eps, pct <= target + AMBER_POINTS + eps
    else:
        green, amber = pct >= target - eps, pct >= target - AMBER_POINTS - eps
    out = np.where(green.fillna(False), GREEN, np.where(amber.fillna(False), AMBER, RED))
    out = pd.Series(out, index=value.index, dtype="string")
    return out.mask(pct.isna(), NOT_EVALUATED)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype("Float64"), den.astype("Float64")
    return (num / den.where(den > 0)).astype("Float64")


def _aggregate(kpi: KPI, facts: _Facts, providers: list[int], end_month: dict[int, str | None],
               as_of: dict[int, pd.Timestamp]) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = facts.frame.copy()
    f["month"] = pd.to_datetime(f["event_date"]).dt.strftime("%Y-%m").astype("string")
    f["in_num"] = f["in_num"].astype("boolean")
    blocked = f["ukprn"].isin(list(facts.not_evaluated))
    if facts.count:
        f["in_num"] = pd.array([True] * len(f), dtype="boolean")
    f["in_num"] = f["in_num"].mask(blocked)
    # members
    den = f.assign(role=DENOMINATOR)
    num = f[f["in_num"].fillna(False).astype(bool)].assign(role=NUMERATOR)
    members = num if facts.count else pd.concat([den, num], ignore_index=True)
    members = members.assign(kpi=kpi.id)[KPI_MEMBERS.columns] if len(members) else KPI_MEMBERS.empty()

    # per aim, and the provider totals
    levels = [f] if kpi.per_provider_only else [f, f.assign(bootcamp_aim=ALL_AIMS)]
    counts = pd.concat(levels, ignore_index=True)
    counts["_num"] = counts["in_num"].fillna(False).astype(int)
    counts["_blocked"] = counts["ukprn"].isin(list(facts.not_evaluated))
    grouped = counts.groupby(["ukprn", "bootcamp_aim", "month"], dropna=False).agg(
        numerator=("_num", "sum"), denominator=("in_num", "size")).reset_index()
    # a row for every month from the first to the provider's last, and a total row for every provider
    rows = []
    keys = grouped[["ukprn", "bootcamp_aim"]].drop_duplicates()
    have_total = set(keys.loc[keys["bootcamp_aim"] == ALL_AIMS, "ukprn"].astype(int))
    for p in providers:
        if p not in have_total:
            keys = pd.concat([keys, pd.DataFrame({"ukprn": [p], "bootcamp_aim": [ALL_AIMS]})], ignore_index=True)
    firsts = grouped.groupby(["ukprn", "bootcamp_aim"])["month"].min()
    lasts = grouped.groupby("ukprn")["month"].max()
    for ukprn, aim in keys.itertuples(index=False):
        last = max(m for m in (end_month.get(int(ukprn)), lasts.get(ukprn)) if isinstance(m, str))
        first = firsts.get((ukprn, aim), last)
        months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
        rows.append(pd.DataFrame({"ukprn": int(ukprn), "bootcamp_aim": aim, "month": months}))
    grid = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["ukprn", "bootcamp_aim", "month"])
    grid = grid.astype({"ukprn": "Int64", "bootcamp_aim": "string", "month": "string"})
    grouped = grouped.astype({"ukprn": "Int64", "bootcamp_aim": "string", "month": "string"})
    v = grid.merge(grouped, on=["ukprn", "bootcamp_aim", "month"], how="left")
    v["numerator"] = v["numerator"].fillna(0).astype("Int64")
    v["denominator"] = v["denominator"].fillna(0).astype("Int64")
    v = v.sort_values(["ukprn", "bootcamp_aim", "month"], kind="stable").reset_index(drop=True)
    g = v.groupby(["ukprn", "bootcamp_aim"], sort=False)
    v["cumulative_numerator"] = g["numerator"].cumsum().astype("Int64")
    v["cumulative_denominator"] = g["denominator"].cumsum().astype("Int64")
    blocked_rows = v["ukprn"].isin(list(facts.not_evaluated))
    if facts.count:
        v["value"] = v["numerator"].astype("Float64")
        v["cumulative_value"] = v["cumulative_numerator"].astype("Float64")
        v["denominator"] = pd.array([pd.NA] * len(v), dtype="Int64")
        v["cumulative_denominator"] = pd.array([pd.NA] * len(v), dtype="Int64")
    else:
        v["value"] = _ratio(v["numerator"], v["denominator"])
        v["cumulative_value"] = _ratio(v["cumulative_numerator"], v["cumulative_denominator"])
    for c in ("numerator", "cumulative_numerator"):
        v[c] = v[c].mask(blocked_rows)
    for c in ("value", "cumulative_value"):
        v[c] = v[c].mask(blocked_rows)
    v["kpi"] = kpi.id
    v["target"] = pd.array([kpi.target] * len(v), dtype="Float64")
    v["direction"] = pd.array([kpi.direction] * len(v), dtype="string")
    v["status"] = kpi_status(v["cumulative_value"], kpi)
    if kpi.target is not None:
        v.loc[blocked_rows, "status"] = NOT_EVALUATED
    v["as_of"] = v["ukprn"].map({k: pd.Timestamp(t) for k, t in as_of.items()}).astype("datetime64[ns]")
    return v[KPI_VALUES.columns], members


_KPI_ORDER = {k: i for i, k in enumerate(KPI_IDS)}


def _sorted(values: pd.DataFrame) -> pd.DataFrame:
    aim_order = (values["bootcamp_aim"] == ALL_AIMS).astype(int)
    order = values.assign(_all=aim_order, _k=values["kpi"].map(_KPI_ORDER))
    order = order.sort_values(["ukprn", "_all", "bootcamp_aim", "_k", "month"], kind="stable")
    return order.drop(columns=["_all", "_k"]).reset_index(drop=True)


def _sorted_members(members: pd.DataFrame) -> pd.DataFrame:
    order = members.assign(_k=members["kpi"].map(_KPI_ORDER), _r=(members["role"] == NUMERATOR).astype(int))
    order = order.sort_values(["ukprn", "bootcamp_aim", "_k", "month", "_r", "learn_ref_number", "aim_seq_number",
                               "employer_id"], kind="stable", na_position="first")
    return order.drop(columns=["_k", "_r"]).reset_index(drop=True)


def kpis(ctx: RuleContext, milestones: pd.DataFrame, evidence: pd.DataFrame | None = None,
         employers: pd.DataFrame | None = None, *, as_of: object = None, only: list[str] | None = None) -> KPIResult:
    """The KPIs of every provider in the context (see the module docs for each definition).

    ``ctx`` is the :class:`~auditkit.rules.RuleContext` the milestone frame was computed on (PSM destination
    codes, DPOutcomes, employment statuses and the as-of dates come from it; ``None`` is allowed with
    ``as_of``). ``milestones`` is :func:`auditkit.funding.milestones.milestones` of it. ``evidence`` is the evidence
    tracker frame (``ukprn, learn_ref_number, evidence_type, amount, employer, ...``) and ``employers`` the
    employer register (``employer_id, name, size, satisfaction, date_contacted, ...``); without them the KPIs
    that need them are ``not-evaluated``. ``as_of`` overrides the as-of date (a date, or a mapping
    ukprn -> date). ``only`` restricts the KPIs computed.
    """
    aims = _aims(milestones)
    aims["as_of"] = _as_of(ctx, aims, as_of)
    providers = sorted({int(p) for p in aims["ukprn"].dropna()} |
                       ({int(p) for p in ctx.returns["ukprn"].dropna()} if ctx is not None else set()))
    if isinstance(as_of, dict):
        dates = {int(k): pd.Timestamp(v) for k, v in as_of.items()}
    elif as_of is not None:
        dates = dict.fromkeys(providers, pd.Timestamp(as_of))
    else:
        dates = {int(k): pd.Timestamp(v) for k, v in provider_as_of(ctx).items()} if ctx is not None else {}
    end_month = {p: (dates[p].strftime("%Y-%m") if p in dates and not pd.isna(dates[p]) else None) for p in providers}
    notes: list[str] = []
    if evidence is None:
        notes.append("co_funding_compliance, new_skills, referral: no evidence tracker loaded (not evaluated)")
    if employers is None:
        notes.append("employer_satisfaction: no employer register loaded (not evaluated)")
    facts = _all_facts(ctx, aims, aims["as_of"], evidence, employers, providers, notes, dates)
    for p in providers:
        if end_month[p] is None:  # no date at all: the last event month
            months = [pd.to_datetime(f.frame.loc[f.frame["ukprn"] == p, "event_date"]).max() for f in facts.values()]
            months = [m for m in months if not pd.isna(m)]
            end_month[p] = max(months).strftime("%Y-%m") if months else pd.Timestamp.today().strftime("%Y-%m")
    if evidence is not None:
        uncovered = sorted(set(providers) - _covered(evidence))
        if uncovered:
            notes.append("evidence KPIs not evaluated for providers without rows in the evidence tracker: "
                         + ", ".join(map(str, uncovered)))
    values, members = [], []
    for kpi in KPIS:
        if only is not None and kpi.id not in only:
            continue
        v, m = _aggregate(kpi, facts[kpi.id], providers, end_month, dates)
        values.append(v)
        members.append(m)
    out_values = pd.concat(values, ignore_index=True) if values else KPI_VALUES.empty()
    out_members = pd.concat([m for m in members if len(m)], ignore_index=True) if any(len(m) for m in members) \
        else KPI_MEMBERS.empty()
    out_values = KPI_VALUES.conform(out_values)
    out_members = KPI_MEMBERS.conform(out_members)
    return KPIResult(_sorted(out_values), _sorted_members(out_members), notes)


def kpi_catalogue() -> pd.DataFrame:
    """The KPIs as a table: id, label, unit, month event, numerator, denominator, target, direction, needs."""
    return pd.DataFrame([{
        "kpi": k.id, "label": k.label, "unit": k.unit, "month": k.month, "denominator": k.denominator or "-",
        "numerator": k.numerator, "target": k.target, "direction": k.direction, "needs": ", ".join(k.needs) or "-",
        "per_provider_only": k.per_provider_only} for k in KPIS])
