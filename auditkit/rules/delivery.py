"""Delivery rules of the WMCA Wave 5 catalogue (W5_AIM_*, W5_SOF_*, W5_DAM_*, W5_RES_*, W5_DATE_*, W5_FFI_*,
W5_COMP_*, W5_RESTART_*, W5_GLH_*).

Which deliveries each rule looks at follows the catalogue wording and the Wave 5 Learner Entry Tool guidance
(seed ``003``): rules about fields every learning delivery carries (AimType, FundModel, SOF, the order of the
dates, CompStatus, the restart indicator) look at every delivery in scope, milestone aims included (the
guidance asks for AimType 4, FundModel 35 and SOF 112 on "all Bootcamp learning aims" and on the milestone
aims recorded the same way); rules about the bootcamp itself (allocation, DAM 023, residency, the contract
windows, the funding indicator and employer contribution, hours) look at bootcamp aims only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from auditkit.facts.context import AIM_KEYS, LEARNER_KEYS, RuleContext, fmt_date, same_code
from auditkit.reference.aims import MILESTONE_AIMS
from auditkit.reference.tables import postcode_district, wmca_area
from auditkit.reference.uln import TEMPORARY_ULN
from auditkit.reference.wave5 import CONTRIBUTION_PERCENT, CONTRIBUTION_TEXTS
from auditkit.rules.registry import rule

#: The accepted contribution texts for a message: 'Contribution 10' or 'Contribution 30'.
EITHER_CONTRIBUTION = " or ".join(f"'{t}'" for t in CONTRIBUTION_TEXTS)
#: Minimum planned hours per planned week by bootcamp mode (WMCA bootcamp delivery requirements).
MIN_WEEKLY_HOURS: dict[str, int] = {"full-time": 25, "part-time": 10}

#: A PSM text that looks like an employer contribution (checked only when it is not an accepted text):
#: any "contrib..." (contribution, Contrib 10, CONTRIBUTION30, Employer contribution 30%), a short
#: abbreviation followed by 10 or 30 (Cont 10, Contr. 30, Cntrb 10), a bare 10% / 30%, or "co-funded".
#: WMCA destination codes (WMCA1.3) and LARS references (Z0009501) never match.
CONTRIBUTION_LIKE = re.compile(
    r"contrib"
    r"|^\W*(?:cont|contr|ctrb|cntrb|cntb)\W*(?:10|30)\W*$"
    r"|^\W*(?:10|30)\s*%"
    r"|\bco-?\s?fund",
    re.IGNORECASE,
)


# --- helpers ------------------------------------------------------------------------------------------

def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _text(value: Any) -> str:
    """A value for a message: dates as ISO, NA as ``(none)``, whole floats without ``.0``."""
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return "(none)"
    if hasattr(value, "strftime"):
        return fmt_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value(series: pd.Series) -> pd.Series:
    """Values of a finding: the text found, NA where nothing was recorded."""
    return series.map(lambda v: pd.NA if _text(v) == "(none)" else _text(v)).astype("string")


def _fam_summary(ctx: RuleContext, aims: pd.DataFrame, fam_type: str) -> pd.DataFrame:
    """For each row of ``aims``: ``codes`` (the codes of one FAM type as text, "a, b"; NA when none), ``n``
    (how many) and ``first`` (the first code)."""
    out = pd.DataFrame({"codes": pd.Series(pd.NA, index=aims.index, dtype="string"), "n": 0,
                        "first": pd.Series(pd.NA, index=aims.index, dtype="string")}, index=aims.index)
    f = ctx.fams
    f = f[(f["fam_type"] == fam_type).fillna(False).astype(bool)]
    if f.empty or aims.empty:
        return out
    f = f.merge(aims[AIM_KEYS].drop_duplicates(), on=AIM_KEYS, how="inner")
    if f.empty:
        return out
    code = f["fam_code"].astype("string").str.strip().fillna("")
    grouped = code.groupby([f[k] for k in AIM_KEYS]).agg(n="size", first="first")
    grouped["codes"] = grouped["first"]
    many = grouped.index[(grouped["n"] > 1).to_numpy()]
    if len(many):  # the few aims with several codes of the type: joined, in their order
        several = pd.MultiIndex.from_frame(f[AIM_KEYS]).isin(many)
        grouped.loc[many, "codes"] = code[several].groupby([f.loc[several, k] for k in AIM_KEYS]).agg(", ".join)
    found = grouped.reindex(pd.MultiIndex.from_frame(aims[AIM_KEYS]))
    out["codes"] = pd.Series(found["codes"].to_numpy(), index=aims.index, dtype="string")
    out["n"] = pd.to_numeric(pd.Series(found["n"].to_numpy(), index=aims.index)).fillna(0).astype(int)
    out["first"] = pd.Series(found["first"].to_numpy(), index=aims.index, dtype="string")
    return out


def _date(series: pd.Series) -> pd.Series:
    """Calendar dates (times dropped)."""
    return pd.to_datetime(series).dt.normalize()


def _contract_columns(ctx: RuleContext, aims: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """For each row of ``aims``, its provider's contract values ``cols`` and ``_has_contract``."""
    table = ctx.contract_table()
    out = pd.DataFrame(index=aims.index)
    if table is None or len(table) == 0 or len(aims) == 0:
        for c in cols:
            out[c] = pd.Series(pd.NaT if c.endswith(("_from", "_to")) else pd.NA, index=aims.index)
        out["_has_contract"] = False
        return out
    t = table.dropna(subset=["ukprn"]).drop_duplicates("ukprn")[["ukprn", *cols]]
    t = t.astype({"ukprn": "Int64"}).assign(_has_contract=True)
    left = pd.DataFrame({"_row": aims.index, "ukprn": aims["ukprn"].astype("Int64").to_numpy()})
    merged = left.merge(t, on="ukprn", how="left").set_index("_row")
    out = merged.reindex(aims.index)[[*cols, "_has_contract"]]
    out["_has_contract"] = out["_has_contract"].fillna(False).astype(bool)
    return out


def _allocations(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    """For each row of ``aims``, the contract allocation of its LearnAimRef at its provider: ``_allocated``
    (bool), ``weeks``, ``mode``."""
    allocated = ctx.contract_aims()
    out = pd.DataFrame({"_allocated": False, "weeks": pd.NA, "mode": pd.NA}, index=aims.index)
    if allocated is None or len(allocated) == 0 or len(aims) == 0:
        return out
    a = allocated.dropna(subset=["ukprn", "lars"])[["ukprn", "lars", "weeks", "mode"]]
    a = a.assign(ukprn=a["ukprn"].astype("Int64"), lars=a["lars"].astype("string").str.strip().str.upper())
    a = a.drop_duplicates(["ukprn", "lars"]).assign(_allocated=True)
    left = pd.DataFrame({"_row": aims.index, "ukprn": aims["ukprn"].astype("Int64").to_numpy(),
                         "lars": aims["learn_aim_ref"].astype("string").str.strip().str.upper().to_numpy()})
    merged = left.merge(a, on=["ukprn", "lars"], how="left").set_index("_row").reindex(aims.index)
    out["_allocated"] = merged["_allocated"].fillna(False).astype(bool)
    out["weeks"] = merged["weeks"]
    out["mode"] = merged["mode"]
    return out


def _not_evaluated(ctx: RuleContext, ukprns: pd.Series, field: str, rule_id: str, what: str | Callable[[int], str],
                   needed: str) -> pd.DataFrame:
    """One not-evaluated finding per provider in ``ukprns``, saying why the contract value was not there
    (``what``: the missing value, or a function of the UKPRN naming it)."""
    providers = pd.unique(pd.Series(ukprns).dropna())
    if len(providers) == 0:
        return pd.DataFrame()
    table = ctx.contract_table()
    with_contract = set() if table is None or len(table) == 0 else {int(u) for u in table["ukprn"].dropna()}
    frames = []
    for ukprn in providers:  # one per provider: a handful at most
        if not ctx.contracts_given or ctx.contracts is None:
            reason = "no contracts file was given"
        elif int(ukprn) not in with_contract:
            reason = f"the contracts give no contract for UKPRN {int(ukprn)}"
        else:
            reason = f"the contract for UKPRN {int(ukprn)} gives no {what(int(ukprn)) if callable(what) else what}"
        frames.append(ctx.not_evaluated([ukprn], field=field,
                                        message=f"{rule_id} not evaluated: {reason}; {needed}"))
    return _concat(frames)


def _ranked_returns(aims: pd.DataFrame) -> pd.Series:
    """A rank of each row's return: later ILR year, then later period and preparation date rank higher."""
    order = (aims[["return_id", "ilr_year", "period_number", "file_preparation_date"]]
             .drop_duplicates("return_id")
             .sort_values(["ilr_year", "period_number", "file_preparation_date", "return_id"], na_position="first"))
    rank = pd.Series(range(len(order)), index=order["return_id"].to_numpy())
    return aims["return_id"].map(rank)


# --- aim reference, type, funding model, source of funding ------------------------------------------------

@rule("W5_AIM_01", "no-pay", reads=["LearnAimRef"], family="delivery", needs_contract=True)
def aim_not_allocated(ctx: RuleContext) -> pd.DataFrame:
    """LearnAimRef is neither allocated to this provider in the contract nor a milestone aim.

    **What it checks**: every learning delivery's LearnAimRef is either one of the bootcamp aims the
    provider's WMCA contract allocates to it, or one of the two milestone aims (Z0010211, Z0010212).

    **Why it matters**: "Bootcamp learning aims are contract specific, so you must only enter codes that
    have been specifically generated for you. Use of an incorrect learning aim ref by a Provider will cause
    the learning aim to appear on the no pay report" (Wave 5 Learner Entry Tool guidance, Learning aim ref;
    no-pay rules: "Aims not approved for a Provider will not be paid").

    **Example**: provider 10000001 is allocated Z0009501 only and returns a bootcamp on Z0009502 (allocated
    to another provider): no-pay finding on LearnAimRef `Z0009502`.

    **Limits**: needs the contracts: without a contracts file, without a contract for the provider, or with a
    contract that allocates no aims, the rule reports "not evaluated" once per provider. References are
    compared ignoring case and surrounding spaces. A delivery with no LearnAimRef at all is reported too.
    """
    aims = ctx.aims
    candidates = aims[~aims["learn_aim_ref"].isin(MILESTONE_AIMS).fillna(False).astype(bool)]
    if candidates.empty:
        return pd.DataFrame()
    contract = _contract_columns(ctx, candidates, [])
    allocated_aims = ctx.contract_aims()
    providers_with_aims = (set() if allocated_aims is None or len(allocated_aims) == 0
                           else {int(u) for u in allocated_aims.dropna(subset=["lars"])["ukprn"].dropna()})
    has_aims = candidates["ukprn"].isin(list(providers_with_aims)).fillna(False).astype(bool)
    evaluable = contract["_has_contract"] & has_aims
    missing = _not_evaluated(ctx, candidates.loc[~evaluable, "ukprn"], "LearnAimRef", "W5_AIM_01",
                             "allocated bootcamp aims", "needed: the bootcamp aims allocated to the provider")
    rows = candidates[evaluable]
    rows = rows[~_allocations(ctx, rows)["_allocated"]]
    if rows.empty:
        return missing
    allocated_by = (allocated_aims.dropna(subset=["lars"]).groupby("ukprn")["lars"]
                    .agg(lambda s: ", ".join(sorted(set(s))[:8]) + (", ..." if s.nunique() > 8 else "")))

    def message(r: pd.DataFrame) -> list[str]:
        return [f"LearnAimRef {_text(ref)} is not allocated to UKPRN {int(u)} in the contract (allocated: "
                f"{allocated_by.get(u, '(none)')}) and is not a milestone aim (Z0010211, Z0010212)"
                for ref, u in zip(r["learn_aim_ref"], r["ukprn"], strict=True)]

    found = ctx.findings(rows, field="LearnAimRef", value=_value(rows["learn_aim_ref"]), message=message)
    return _concat([found, missing])


@rule("W5_AIM_02", "error", reads=["AimType"], family="delivery")
def aim_type_not_4(ctx: RuleContext) -> pd.DataFrame:
    """AimType is not 4 (learning aim that is not part of a programme).

    **What it checks**: every learning delivery, bootcamp or milestone aim, has AimType 4.

    **Why it matters**: the Wave 5 guidance (Learning Information, Aim type) says "For all Bootcamp learning
    aims use: 4 - Learning aim that is not part of a programme"; the milestone aims are returned the same way.
    Another aim type makes the delivery look like part of a programme (e.g. an apprenticeship) and the
    funding calculation and reports treat it wrongly.

    **Example**: a bootcamp returned with AimType 3: error finding on AimType `3`.

    **Limits**: applies to every delivery in scope, milestone aims included.
    """
    aims = ctx.aims
    rows = aims[(aims["aim_type"] != 4).fillna(True).astype(bool)]
    return ctx.findings(rows, field="AimType", value=_value(rows["aim_type"]),
                        message=lambda r: [("no AimType" if pd.isna(v) else f"AimType {_text(v)}")
                                           + f" on {_text(ref)}; expected 4 (learning aim that is not part of a "
                                           "programme)"
                                           for v, ref in zip(r["aim_type"], r["learn_aim_ref"], strict=True)])


@rule("W5_AIM_03", "error", reads=["FundModel"], family="delivery")
def fund_model_not_35(ctx: RuleContext) -> pd.DataFrame:
    """FundModel is not 35 (adult skills).

    **What it checks**: every learning delivery, bootcamp or milestone aim, has FundModel 35.

    **Why it matters**: "WMCA Bootcamps are recorded using Adult Skills funding model 35" (Wave 5 guidance,
    Funding model). The funding model decides which funding calculation applies; another model puts the
    claim outside the WMCA bootcamp payment script.

    **Example**: a bootcamp returned with FundModel 10 (community learning): error finding on FundModel `10`.

    **Limits**: applies to every delivery in scope, milestone aims included.
    """
    aims = ctx.aims
    rows = aims[(aims["fund_model"] != 35).fillna(True).astype(bool)]
    return ctx.findings(rows, field="FundModel", value=_value(rows["fund_model"]),
                        message=lambda r: [("no FundModel" if pd.isna(v) else f"FundModel {_text(v)}")
                                           + f" on {_text(ref)}; expected 35 (adult skills)"
                                           for v, ref in zip(r["fund_model"], r["learn_aim_ref"], strict=True)])


@rule("W5_SOF_01", "error", reads=["LearningDeliveryFAM"], family="delivery")
def sof_not_112(ctx: RuleContext) -> pd.DataFrame:
    """No SOF (source of funding) FAM with code 112 (West Midlands Combined Authority).

    **What it checks**: every learning delivery, bootcamp or milestone aim, has a LearningDeliveryFAM of type
    SOF with code 112.

    **Why it matters**: the source of funding is a mandatory field: "For Bootcamps this will be 112 - West
    Midlands Combined Authority" (Wave 5 guidance, Learning Delivery: Funding and Monitoring). Without it the
    aim is not attributed to the WMCA contract.

    **Example**: a bootcamp with SOF 105 (ESFA adult): error finding on SOF `105`.

    **Limits**: applies to every delivery in scope, milestone aims included. A delivery with SOF 112 and
    another SOF as well passes this rule.
    """
    aims = ctx.aims
    rows = aims[~ctx.has_fam("SOF", 112, aims)]
    codes = _fam_summary(ctx, rows, "SOF")["codes"]
    return ctx.findings(rows, field="SOF", value=codes,
                        message=lambda r: [("no SOF (source of funding) FAM" if pd.isna(c) else f"SOF {c}")
                                           + f" on {_text(ref)}; expected SOF 112 (West Midlands Combined Authority)"
                                           for c, ref in zip(codes, r["learn_aim_ref"], strict=True)])


# --- devolved area monitoring and residency -----------------------------------------------------------------

@rule("W5_DAM_01", "no-pay", reads=["LearningDeliveryFAM"], family="delivery")
def dam_023_missing(ctx: RuleContext) -> pd.DataFrame:
    """A bootcamp aim without DAM (devolved area monitoring) code 023.

    **What it checks**: every bootcamp aim has a LearningDeliveryFAM of type DAM with code 023.

    **Why it matters**: "023 - should be returned for all Bootcamp learning aims" (Wave 5 guidance, Devolved
    Area Monitoring Codes, a validation rule): the funder identifies its bootcamp provision by it, and an aim
    without it is on the no-pay report.

    **Example**: a bootcamp with only DAM 010: no-pay finding on DAM `010`.

    **Limits**: bootcamp aims only (the guidance asks for DAM 023 on bootcamp learning aims, not on the
    milestone aims). Codes compare as numbers, so `23` counts as 023.
    """
    aims = ctx.bootcamps
    rows = aims[~ctx.has_fam("DAM", "023", aims)]
    codes = _fam_summary(ctx, rows, "DAM")["codes"]
    return ctx.findings(rows, field="DAM", value=codes,
                        message=lambda r: [("no DAM code" if pd.isna(c) else f"DAM {c} but no DAM 023")
                                           + f" on bootcamp {_text(ref)}; expected DAM 023 on every bootcamp aim"
                                           for c, ref in zip(codes, r["learn_aim_ref"], strict=True)])


@rule("W5_DAM_02", "warning", reads=["LearningDeliveryFAM", "EmpStat", "DateEmpStatApp"], family="delivery")
def dam_010_not_employed(ctx: RuleContext) -> pd.DataFrame:
    """DAM 010 (employed and low waged) returned, but the employment status at start is not 10 (in paid employment).

    **What it checks**: a bootcamp aim with DAM 010 has, at its LearnStartDate, the employment status 10 (the
    latest LearnerEmploymentStatus with DateEmpStatApp on or before the start).

    **Why it matters**: "010 - should be returned where the learner is employed and low waged" (Wave 5
    guidance, Devolved Area Monitoring Codes); a learner who was not employed at the start cannot be
    employed and low waged, so one of the two records is wrong and the funder's low-wage reporting is off.

    **Example**: DAM 010 on a bootcamp starting 2024-05-01, employment status 11 from 2024-03-01: warning on
    DAM `010`.

    **Limits**: bootcamp aims only (DAM codes describe the bootcamp enrolment). A learner with no employment
    status on or before the start gets this warning too (nothing shows them employed; W5_EMP_01 reports the
    missing status itself). The low-wage threshold (£30,000) is not checked: the ILR does not hold pay.
    """
    aims = ctx.bootcamps
    aims = aims[ctx.has_fam("DAM", "010", aims)]
    if aims.empty:
        return pd.DataFrame()
    status = ctx.status_at_start(aims)["emp_stat"]
    bad = (pd.to_numeric(status, errors="coerce") != 10).fillna(True).astype(bool)
    rows, status = aims[bad], status[bad]

    def message(r: pd.DataFrame) -> list[str]:
        return [(f"DAM 010 (employed and low waged) on {_text(ref)}, but "
                 + ("no employment status applies at its start " + fmt_date(d) if pd.isna(s)
                    else f"the employment status at its start {fmt_date(d)} is {_text(s)}")
                 + "; expected employment status 10 (in paid employment)")
                for ref, d, s in zip(r["learn_aim_ref"], r["learn_start_date"], status, strict=True)]

    return ctx.findings(rows, field="DAM", value="010", message=message)


def _district(postcode: Any) -> str:
    """A postcode for a message: its district only (``B31 ***``): messages are not masked, values are."""
    district = postcode_district(postcode)
    return f"{district} ***" if district else "***"


def _residency(ctx: RuleContext) -> tuple[pd.DataFrame, pd.Series]:
    aims = ctx.bootcamps
    aims = aims[~ctx.has_fam("DAM", "001", aims)]
    return aims, wmca_area(aims["lsd_postcode"], ctx.postcode_directory)


@rule("W5_RES_01", "no-pay", reads=["LSDPostcode", "LearningDeliveryFAM"], family="delivery")
def residency_outside(ctx: RuleContext) -> pd.DataFrame:
    """LSDPostcode lies outside the WMCA area and the aim has no DAM 001.

    **What it checks**: the learning start date postcode (LSDPostcode) of each bootcamp aim is inside the
    WMCA area (the seven constituent councils), unless the aim carries DAM 001.

    **Why it matters**: LSDPostcode is "the residency postcode of the learner to identify whether the learner
    is a West Midlands resident"; "Validation rules are in place to ensure that Bootcamp participants that are
    not West Midlands residents are coded correctly", with DAM 001 "if the learner lives outside the WMCA
    area but are a West Midlands resident and/or intend to move into a role within the West Midlands"
    (Wave 5 guidance, Learning start date postcode and DAM codes). An outside postcode without DAM 001 is
    on the no-pay report.

    **Example**: LSDPostcode `LE1 1AA` (Leicester) and no DAM 001: no-pay finding on LSDPostcode.

    **Limits**: bootcamp aims only (residency is an eligibility condition at the bootcamp start; milestone
    aims are recorded months later). With an ONS postcode directory loaded the decision is exact, by the
    postcode's local authority; without one it is by postcode district, and districts straddling the
    boundary are W5_RES_02 instead. Missing, malformed, unknown (ZZ99 9ZZ) and directory-absent postcodes
    are not decided here (W5_PC_01 reports ZZ99 9ZZ). The message names only the postcode district (messages
    are not masked); the full postcode is the finding's value, masked in displays and exports.
    """
    aims, area = _residency(ctx)
    rows = aims[(area == "outside").fillna(False).astype(bool)]
    how = ("by the postcode directory" if ctx.postcode_directory is not None else "by its postcode district")
    return ctx.findings(rows, field="LSDPostcode", value=rows["lsd_postcode"],
                        message=lambda r: [f"LSDPostcode {_district(p)} lies outside the WMCA area ({how}) and "
                                           f"bootcamp {_text(ref)} has no DAM 001; expected a WMCA postcode, or DAM "
                                           "001 for a West Midlands resident living outside the area"
                                           for p, ref in zip(r["lsd_postcode"], r["learn_aim_ref"], strict=True)])


@rule("W5_RES_02", "warning", reads=["LSDPostcode", "LearningDeliveryFAM"], family="delivery")
def residency_straddling(ctx: RuleContext) -> pd.DataFrame:
    """LSDPostcode lies in a postcode district that straddles the WMCA boundary, so residency needs checking.

    **What it checks**: without an exact postcode directory, a bootcamp aim whose LSDPostcode is in a
    district that lies partly inside and partly outside the WMCA area (e.g. B31, CV3, WV6) and which has no
    DAM 001.

    **Why it matters**: residency is a no-pay condition (see W5_RES_01), but a district that straddles the
    boundary cannot settle it: the auditor should check the address, or load the ONS postcode directory
    (`--postcodes`) to decide exactly.

    **Example**: LSDPostcode `B31 2AA` (Northfield, Birmingham; part of B31 is in Bromsgrove): warning on
    LSDPostcode.

    **Limits**: only when no postcode directory is loaded (with one every postcode is inside or outside).
    Bootcamp aims only; an aim with DAM 001 is not flagged, since DAM 001 covers the learner whichever side
    of the boundary they live. The message names only the postcode district; the full postcode is the
    finding's (masked) value.
    """
    if ctx.postcode_directory is not None:
        return pd.DataFrame()
    aims, area = _residency(ctx)
    rows = aims[(area == "straddling").fillna(False).astype(bool)]
    return ctx.findings(rows, field="LSDPostcode", value=rows["lsd_postcode"],
                        message=lambda r: [f"LSDPostcode {_district(p)} is in a postcode district that straddles the "
                                           f"WMCA boundary, and bootcamp {_text(ref)} has no DAM 001; check the "
                                           "address is in the WMCA area (or load the ONS postcode directory)"
                                           for p, ref in zip(r["lsd_postcode"], r["learn_aim_ref"], strict=True)])


# --- dates ------------------------------------------------------------------------------------------------

def _window_rule(ctx: RuleContext, rule_id: str, column: str, field: str, lo: str, hi: str, what: str,
                 key: str) -> pd.DataFrame:
    aims = ctx.bootcamps
    if aims.empty:
        return pd.DataFrame()
    window = _contract_columns(ctx, aims, [lo, hi])
    known = window[lo].notna() & window[hi].notna()
    missing = _not_evaluated(ctx, aims.loc[~known, "ukprn"], field, rule_id, f"{key}",
                             f"needed: the contract's {what} for bootcamp {field}")
    aims, window = aims[known], window[known]
    day = _date(aims[column])
    start, end = _date(window[lo]), _date(window[hi])
    bad = (day.isna() | (day < start) | (day > end)).fillna(True).astype(bool)
    rows, day, start, end = aims[bad], day[bad], start[bad], end[bad]

    def message(r: pd.DataFrame) -> list[str]:
        out = []
        for d, s, e in zip(day, start, end, strict=True):
            span = f"the contract's {what} {fmt_date(s)} to {fmt_date(e)}"
            if pd.isna(d):
                out.append(f"{field} is missing; expected a date inside {span}")
            else:
                out.append(f"{field} {fmt_date(d)} is {'before' if d < s else 'after'} {span}")
        return out

    found = ctx.findings(rows, field=field, value=rows[column], message=message)
    return _concat([found, missing])


@rule("W5_DATE_01", "no-pay", reads=["LearnStartDate"], family="delivery", needs_contract=True)
def start_outside_window(ctx: RuleContext) -> pd.DataFrame:
    """Bootcamp LearnStartDate outside the contract window.

    **What it checks**: each bootcamp aim's LearnStartDate falls inside its provider's contract start window
    (first and last day included).

    **Why it matters**: "Validation rules will apply internally, where the recorded learning start date
    falls out of a specified date timeframe. This will be dependent on the contract and the Provider"
    (Wave 5 guidance, Start date): a start outside the window is on the no-pay report.

    **Example**: window 2024-04-01 to 2025-03-31 and LearnStartDate 2025-04-02: no-pay finding on
    LearnStartDate `2025-04-02`.

    **Limits**: bootcamp aims only (milestone aims' dates are the dates of the interview or job offer).
    Needs the contract's start_window: "not evaluated" once per provider without it. A missing LearnStartDate
    is reported (it cannot be shown to be inside the window).
    """
    return _window_rule(ctx, "W5_DATE_01", "learn_start_date", "LearnStartDate", "start_from", "start_to",
                        "start window", "start_window")


@rule("W5_DATE_02", "error", reads=["LearnStartDate", "FilePreparationDate"], family="delivery")
def start_in_future(ctx: RuleContext) -> pd.DataFrame:
    """LearnStartDate after the return's file preparation date (a date in the future).

    **What it checks**: every learning delivery's LearnStartDate is on or before the FilePreparationDate in
    the header of the return that holds it.

    **Why it matters**: "Dates in the future should not be returned" (Wave 5 guidance, Start date): a start
    that has not happened yet claims a Milestone 1 (or, for a milestone aim, an interview or job offer) that
    cannot be evidenced.

    **Example**: a return prepared on 2024-06-05 holds a bootcamp starting 2024-06-10: error finding on
    LearnStartDate `2024-06-10`.

    **Limits**: every delivery in scope, milestone aims included. A delivery without LearnStartDate, or a
    return without FilePreparationDate, cannot be compared and gives no finding here (both are required
    elements: the reader reports them as problems, and W5_DATE_01 reports a bootcamp without a start).
    """
    aims = ctx.aims
    day, prepared = _date(aims["learn_start_date"]), _date(aims["file_preparation_date"])
    rows = aims[(day > prepared).fillna(False).astype(bool)]
    return ctx.findings(rows, field="LearnStartDate", value=rows["learn_start_date"],
                        message=lambda r: [f"LearnStartDate {fmt_date(d)} of {_text(ref)} is after the return's file "
                                           f"preparation date {fmt_date(p)}; expected a start on or before it"
                                           for d, p, ref in zip(r["learn_start_date"], r["file_preparation_date"],
                                                                r["learn_aim_ref"], strict=True)])


@rule("W5_DATE_03", "no-pay", reads=["LearnPlanEndDate"], family="delivery", needs_contract=True)
def plan_end_outside_window(ctx: RuleContext) -> pd.DataFrame:
    """Bootcamp LearnPlanEndDate outside the contract's planned-end window.

    **What it checks**: each bootcamp aim's LearnPlanEndDate falls inside its provider's contract planned-end
    window (first and last day included).

    **Why it matters**: "Validation rules will apply internally within the WMCA, where the recorded planned
    end date falls out of the specified timeframe. These will appear on the no pay report." (Wave 5
    guidance, Planned end date).

    **Example**: planned-end window 2024-04-01 to 2025-07-31 and LearnPlanEndDate 2025-08-15: no-pay finding
    on LearnPlanEndDate `2025-08-15`.

    **Limits**: bootcamp aims only (a milestone aim's planned end date is the offer date). Needs the
    contract's planned_end_window: "not evaluated" once per provider without it. A missing LearnPlanEndDate
    is reported.
    """
    return _window_rule(ctx, "W5_DATE_03", "learn_plan_end_date", "LearnPlanEndDate", "planned_end_from",
                        "planned_end_to", "planned-end window", "planned_end_window")


@rule("W5_DATE_04", "error", reads=["LearnStartDate", "LearnPlanEndDate", "LearnActEndDate"], family="delivery")
def end_before_start(ctx: RuleContext) -> pd.DataFrame:
    """LearnPlanEndDate or LearnActEndDate earlier than LearnStartDate.

    **What it checks**: on every learning delivery, the planned end date and (when returned) the actual end
    date are on or after the start date. One finding per date that is earlier.

    **Why it matters**: an end before the start is a keying error; it also breaks the 80%-completed
    calculation of Milestone 2 and the planned length used for hours and durations.

    **Example**: LearnStartDate 2024-05-01, LearnPlanEndDate 2024-04-24: error finding on LearnPlanEndDate
    `2024-04-24`.

    **Limits**: every delivery in scope, milestone aims included (their three dates must even be equal:
    W5_M2_01, W5_M3_01). A missing date is not compared (a missing start or planned end is reported by the
    reader as a missing required element, and for bootcamps by W5_DATE_01 / W5_DATE_03; a missing actual end
    date is normal while learning continues).
    """
    aims = ctx.aims
    start = _date(aims["learn_start_date"])
    frames = []
    for column, field in (("learn_plan_end_date", "LearnPlanEndDate"), ("learn_act_end_date", "LearnActEndDate")):
        bad = (_date(aims[column]) < start).fillna(False).astype(bool)
        rows = aims[bad]
        frames.append(ctx.findings(
            rows, field=field, value=rows[column],
            message=lambda r, c=column, f=field: [
                f"{f} {fmt_date(e)} of {_text(ref)} is before its LearnStartDate {fmt_date(s)}; expected a date "
                "on or after the start" for e, s, ref in zip(r[c], r["learn_start_date"], r["learn_aim_ref"],
                                                             strict=True)]))
    return _concat(frames)


# --- full or co-funding and employer contribution ----------------------------------------------------------

def _ffi(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    """For each row of ``aims``: its FFI ``codes`` (text), ``n`` (how many FFI FAMs), ``valid`` (exactly one,
    1 or 2) and ``co_funded`` (exactly one, 2). Computed once per context for the bootcamp aims."""
    if aims is ctx.bootcamps:
        return ctx.memo("delivery.ffi", lambda: _ffi_of(ctx, aims))
    return _ffi_of(ctx, aims)


def _ffi_of(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    ffi = _fam_summary(ctx, aims, "FFI")
    one = ffi["n"] == 1
    first = ffi["first"].fillna("")
    ffi["co_funded"] = (one & same_code(first, 2)).astype(bool)
    ffi["valid"] = (one & (same_code(first, 1) | same_code(first, 2))).astype(bool)
    return ffi


def _contributions(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    """PSM fields of ``aims`` with the aim's facts, one row per field."""
    psm = ctx.psm
    if psm.empty or aims.empty:
        return pd.DataFrame(columns=[*AIM_KEYS, "occur", "text", "line", "learn_aim_ref"])
    facts = aims[[*AIM_KEYS, "line", "learn_aim_ref"]]
    return psm.merge(facts, on=AIM_KEYS, how="inner")


@rule("W5_FFI_01", "no-pay", reads=["LearningDeliveryFAM"], family="delivery")
def ffi_missing(ctx: RuleContext) -> pd.DataFrame:
    """The full or co-funding indicator (FFI FAM) is missing or not 1 or 2.

    **What it checks**: each bootcamp aim has exactly one FFI FAM, with code 1 (fully funded) or 2
    (co-funded).

    **Why it matters**: the full or co-funding indicator is a mandatory field and a validation rule of the
    Wave 5 guidance: "1 – For fully funded (where there is no employer contribution) 2 – For co-funded
    (where there is an employer contribution)"; the payment script reduces payments for co-funded bootcamps,
    so without a valid indicator the aim cannot be paid.

    **Example**: a bootcamp with no FFI FAM: no-pay finding on FFI (no value); one with FFI 3: on FFI `3`.

    **Limits**: bootcamp aims only: the contribution that reduces Milestone 2 and 3 payments is the one
    recorded on the bootcamp aim (catalogue clarification), so FFI and contribution rules look at the
    bootcamp. Two FFI FAMs on one aim are reported (the ILR allows one).
    """
    aims = ctx.bootcamps
    ffi = _ffi(ctx, aims)
    bad = ~ffi["valid"]
    rows, ffi = aims[bad], ffi[bad]

    def message(r: pd.DataFrame) -> list[str]:
        out = []
        for c, n, ref in zip(ffi["codes"], ffi["n"], r["learn_aim_ref"], strict=True):
            found = ("no FFI (full or co-funding indicator)" if n == 0
                     else f"{n} FFI codes ({c})" if n > 1 else f"FFI {c}")
            out.append(f"{found} on bootcamp {_text(ref)}; expected one FFI, 1 (fully funded) or 2 (co-funded)")
        return out

    return ctx.findings(rows, field="FFI", value=ffi["codes"], message=message)


def _joined_texts(texts: list) -> Any:
    """PSM texts as one value (``A; B``), empty fields left out; NA when none has a text."""
    present = [str(t) for t in texts if not pd.isna(t)]
    return "; ".join(present) if present else pd.NA


@rule("W5_FFI_02", "no-pay", reads=["LearningDeliveryFAM", "ProviderSpecDeliveryMonitoring"], family="delivery")
def cofunded_without_contribution(ctx: RuleContext) -> pd.DataFrame:
    """FFI is 2 (co-funded) but no PSM field reads exactly `Contribution 10` or `Contribution 30`.

    **What it checks**: a bootcamp aim marked co-funded (FFI 2) has one of its four provider-specified
    monitoring fields (PSM A to D) reading exactly `Contribution 10` or `Contribution 30`.

    **Why it matters**: "Where an Employer is contributing to a bootcamp, the full or co-funded indicator must
    be set to co-funded and a corresponding CONTRIBUTION 10 / 30 recorded. Where this rule is not met the
    bootcamp will not be paid." (Wave 5 no-pay rules); the text must be entered "exactly as shown"
    (Provider Specified Info). Without it the funder cannot tell how much to reduce the payment.

    **Example**: FFI 2 with PSM A `contribution 30`: no-pay finding on PSM, and W5_FFI_04 warns about the
    near miss.

    **Limits**: bootcamp aims only (the contribution that counts is the one on the bootcamp aim). The texts
    compare case-sensitively after trimming the ends (the reader trims them); `Contribution 10` and
    `Contribution 30` on the same aim both count as recorded.
    """
    aims = ctx.bootcamps
    aims = aims[_ffi(ctx, aims)["co_funded"]]
    psm = _contributions(ctx, aims)
    accepted = psm[psm["text"].isin(CONTRIBUTION_TEXTS).fillna(False).astype(bool)]
    keys = pd.MultiIndex.from_frame(aims[AIM_KEYS])
    has = keys.isin(pd.MultiIndex.from_frame(accepted[AIM_KEYS])) if len(accepted) else [False] * len(aims)
    rows = aims[~pd.Series(has, index=aims.index, dtype=bool)]
    found = _contributions(ctx, rows).sort_values("occur", kind="stable")
    texts = pd.Series([[] for _ in range(len(rows))], index=rows.index, dtype=object)
    if len(found):
        grouped = found.groupby(AIM_KEYS)["text"].agg(list).reindex(pd.MultiIndex.from_frame(rows[AIM_KEYS]))
        texts = pd.Series([t if isinstance(t, list) else [] for t in grouped], index=rows.index, dtype=object)
    return ctx.findings(
        rows, field="PSM", value=texts.map(_joined_texts),
        message=lambda r: [f"FFI 2 (co-funded) on bootcamp {_text(ref)} but no PSM field reads exactly "
                           f"{EITHER_CONTRIBUTION} (PSM: "
                           + ("; ".join("(empty)" if pd.isna(x) else repr(x) for x in t) if t else "none") + ")"
                           for ref, t in zip(r["learn_aim_ref"], texts, strict=True)])


@rule("W5_FFI_03", "no-pay", reads=["LearningDeliveryFAM", "ProviderSpecDeliveryMonitoring"], family="delivery")
def contribution_without_cofunding(ctx: RuleContext) -> pd.DataFrame:
    """A PSM field reads `Contribution 10` or `Contribution 30` but FFI is not 2.

    **What it checks**: a bootcamp aim with a PSM field reading exactly `Contribution 10` or
    `Contribution 30` is marked co-funded (exactly one FFI FAM, code 2).

    **Why it matters**: an employer contribution must be recorded with "the full or co-funded indicator ...
    set to co-funded" (Wave 5 no-pay rules; guidance on FFI: "2 – For co-funded (where there is an employer
    contribution)"): the two records contradict each other, so the bootcamp is not paid.

    **Example**: PSM A `Contribution 10` and FFI 1: no-pay finding on FFI `1`.

    **Limits**: bootcamp aims only. One finding per aim, naming the contribution text. A missing FFI is
    reported here as well as by W5_FFI_01.
    """
    aims = ctx.bootcamps
    ffi = _ffi(ctx, aims)
    aims, ffi = aims[~ffi["co_funded"]], ffi[~ffi["co_funded"]]
    psm = _contributions(ctx, aims)
    accepted = psm[psm["text"].isin(CONTRIBUTION_TEXTS).fillna(False).astype(bool)]
    accepted = accepted.sort_values("occur", kind="stable").drop_duplicates(AIM_KEYS)
    if accepted.empty:
        return pd.DataFrame()
    rows = aims.reset_index().merge(accepted[[*AIM_KEYS, "text", "occur"]], on=AIM_KEYS)
    codes = ffi["codes"].reindex(rows["index"]).reset_index(drop=True)
    return ctx.findings(
        rows, field="FFI", value=codes,
        message=lambda r: [f"PSM {o} reads '{t}' on bootcamp {_text(ref)} but "
                           + ("there is no FFI" if pd.isna(c) else f"FFI is {c}")
                           + "; expected FFI 2 (co-funded) with an employer contribution"
                           for o, t, ref, c in zip(r["occur"], r["text"], r["learn_aim_ref"], codes, strict=True)])


@rule("W5_FFI_04", "warning", reads=["ProviderSpecDeliveryMonitoring"], family="delivery")
def contribution_near_miss(ctx: RuleContext) -> pd.DataFrame:
    """A PSM field looks like a contribution but is not exactly one of the two accepted texts.

    **What it checks**: each PSM field (A to D) of a bootcamp aim that looks like an employer contribution
    (`contribution 30`, `Contribution 30%`, `CONTRIBUTION 10`, `Contrib 10`, `contribution30`,
    `Contribution  10` with two spaces, `Cont 10`, `30%`, `co-funded`...) but is not exactly
    `Contribution 10` or `Contribution 30`. One warning per such field.

    **Why it matters**: the payment script recognises only the two exact texts ("enter the text (exactly as
    shown below): Contribution 10 or Contribution 30", Wave 5 guidance, Provider Specified Info); a near miss
    is ignored, so a co-funded bootcamp is refused (W5_FFI_02) or paid without the reduction.

    **Example**: PSM B `Contribution 30%`: warning on PSM `Contribution 30%`; expected `Contribution 30`.

    **Limits**: bootcamp aims only. The pattern never fires on WMCA destination codes (`WMCA1.3`) or LARS
    references; it may miss unusual spellings that do not contain "contrib" (for example `Emp cont 10`).
    """
    psm = _contributions(ctx, ctx.bootcamps)
    text = psm["text"].astype("string")
    near = text.str.contains(CONTRIBUTION_LIKE, na=False) & ~text.isin(CONTRIBUTION_TEXTS).fillna(False)
    rows = psm[near.astype(bool)]

    def expected(t: str) -> str:
        digits = re.findall(r"10|30", t)
        texts = [f"'{text}'" for text, percent in CONTRIBUTION_PERCENT.items() if digits and str(percent) == digits[0]]
        return texts[0] if texts else EITHER_CONTRIBUTION

    return ctx.findings(rows, field="PSM", value=rows["text"],
                        message=lambda r: [f"PSM {o} on bootcamp {_text(ref)} reads '{t}', which looks like an "
                                           f"employer contribution but is not an accepted text; expected exactly "
                                           f"{expected(t)}, or it will not be recognised"
                                           for o, t, ref in zip(r["occur"], r["text"], r["learn_aim_ref"],
                                                                strict=True)])


# --- completion status ----------------------------------------------------------------------------------

@rule("W5_COMP_01", "no-pay", reads=["CompStatus"], family="delivery")
def temporarily_withdrawn(ctx: RuleContext) -> pd.DataFrame:
    """CompStatus 6 (temporarily withdrawn).

    **What it checks**: no learning delivery has completion status 6 (learner has temporarily withdrawn
    from the aim due to an agreed break in learning).

    **Why it matters**: "Any bootcamp which is recorded as temporary withdrawal as the completion status,
    will not be paid" (Wave 5 no-pay rules). A learner returning from a break is recorded on a new aim (a
    restart, with OrigLearnStartDate).

    **Example**: a bootcamp with CompStatus 6: no-pay finding on CompStatus `6`.

    **Limits**: every delivery in scope, milestone aims included (a milestone aim must be completed anyway).
    """
    aims = ctx.aims
    rows = aims[(aims["comp_status"] == 6).fillna(False).astype(bool)]
    return ctx.findings(rows, field="CompStatus", value="6",
                        message=lambda r: [f"CompStatus 6 (temporarily withdrawn) on {_text(ref)}; a temporarily "
                                           "withdrawn aim is not paid (expected 1, 2 or 3)"
                                           for ref in r["learn_aim_ref"]])


@rule("W5_COMP_02", "error", reads=["CompStatus", "LearnActEndDate", "WithdrawReason", "Outcome"],
      family="delivery")
def completion_fields(ctx: RuleContext) -> pd.DataFrame:
    """CompStatus 2 or 3 without LearnActEndDate; CompStatus 3 without WithdrawReason; LearnActEndDate without Outcome.

    **What it checks**: on every learning delivery, three consistency conditions, one finding each:
    completed (2) or withdrawn (3) needs a LearnActEndDate; withdrawn (3) needs a WithdrawReason; a
    LearnActEndDate needs an Outcome.

    **Why it matters**: the Wave 5 guidance (End details): the actual end date is "the last date of
    attendance"; the Outcome "should be completed when the learning has ended (There is a date in the actual
    end date field.)"; the withdrawal reason is completed when the learner exits before the planned end.
    Milestone 2 needs the actual end date for the 80% completion test.

    **Example**: a bootcamp with CompStatus 3, LearnActEndDate 2024-06-01, Outcome 3 and no WithdrawReason:
    error finding on WithdrawReason.

    **Limits**: every delivery in scope, milestone aims included. CompStatus 6 is W5_COMP_01.
    """
    aims = ctx.aims
    status = aims["comp_status"]
    ended = aims["learn_act_end_date"].notna()
    checks = (
        ("LearnActEndDate", "learn_act_end_date", status.isin([2, 3]).fillna(False) & ~ended,
         lambda s, ref: f"CompStatus {s} on {ref} without a LearnActEndDate; expected the last date of attendance"),
        ("WithdrawReason", "withdraw_reason", (status == 3).fillna(False) & aims["withdraw_reason"].isna(),
         lambda s, ref: f"CompStatus 3 (withdrawn) on {ref} without a WithdrawReason; expected the reason for "
                        "withdrawal"),
        ("Outcome", "outcome", ended & aims["outcome"].isna(),
         lambda s, ref: f"LearnActEndDate returned on {ref} without an Outcome; expected 1 (achieved), "
                        "3 (no achievement) or 8 (not yet known)"),
    )
    frames = []
    for field, column, bad, text in checks:
        rows = aims[bad.astype(bool)]
        frames.append(ctx.findings(rows, field=field, value=_value(rows[column]),
                                   message=lambda r, t=text: [t(_text(s), _text(ref)) for s, ref in
                                                              zip(r["comp_status"], r["learn_aim_ref"], strict=True)]))
    return _concat(frames)


@rule("W5_COMP_03", "no-pay", reads=["ULN", "CompStatus", "LearnStartDate"], family="delivery")
def continuing_on_two_bootcamps(ctx: RuleContext) -> pd.DataFrame:
    """The same ULN continuing (CompStatus 1) on two or more bootcamp aims: all but the earliest-starting one.

    **What it checks**: across every provider and ILR year loaded (the latest return of each), the bootcamp
    aims of one ULN that are continuing (CompStatus 1). All but the one with the earliest LearnStartDate are
    reported.

    **Why it matters**: "Where a learner is marked as Continuing on two different bootcamps, only the course
    with the earliest Learning Start Date will be paid" (Wave 5 no-pay rules). The other bootcamps, at the
    same or another provider, generate no payment.

    **Example**: ULN 1000000019 continuing on Z0009501 from 2024-05-01 at provider 10000001 and on Z0009503
    from 2024-04-15 at provider 10000002: no-pay finding on the Z0009501 aim at 10000001.

    **Limits**: a bootcamp is one enrolment (provider, LearnRefNumber, LearnAimRef, LearnStartDate); when it
    appears in two ILR years (a continuing learner carried into the next year) its status is taken from the
    latest year's latest return, so a learner is never reported against their own carried-over bootcamp.
    Ties on the earliest start keep the aim of the lowest UKPRN, then LearnRefNumber, then AimSeqNumber (so
    the result is reproducible); a continuing aim without a start date counts as the latest. Missing and
    temporary (9999999999) ULNs are not compared (they do not identify a person). Findings are reported only
    on aims in scope: on the reported bootcamp's row in the latest return holding it, and on any other copy of
    it in scope (the previous ILR year's return, or with `all_returns` an earlier snapshot) that is itself
    continuing. With `all_returns` the comparison still uses the latest returns (as the catalogue asks), so a
    clash that an earlier snapshot showed but the latest returns have resolved is not reported.
    """
    latest = ctx.latest_aims
    boot = latest[latest["is_bootcamp"]].copy()
    if boot.empty:
        return pd.DataFrame()
    enrolment = ["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"]
    boot["_rank"] = _ranked_returns(boot)
    top = boot.groupby(enrolment, dropna=False)["_rank"].transform("max")
    current = boot[boot["_rank"] == top]
    uln = current["uln"]
    continuing = current[(current["comp_status"] == 1).fillna(False).astype(bool)
                         & uln.notna() & (uln != TEMPORARY_ULN).fillna(False).astype(bool)]
    multi = continuing[continuing.duplicated("uln", keep=False)]
    if multi.empty:
        return pd.DataFrame()
    multi = multi.sort_values(["uln", "learn_start_date", "ukprn", "learn_ref_number", "aim_seq_number"],
                              na_position="last", kind="stable")
    first = multi.drop_duplicates("uln", keep="first").set_index("uln")
    flagged = multi[multi.duplicated("uln", keep="first")]

    # findings on the in-scope rows of the flagged enrolments that are themselves continuing: the row itself
    # when it is the enrolment's current row, else (another snapshot or year) any copy of the enrolment
    aims = ctx.aims
    scope = aims[aims["is_bootcamp"] & (aims["comp_status"] == 1).fillna(False).astype(bool)]
    here = pd.MultiIndex.from_frame(scope[AIM_KEYS])
    is_current = here.isin(pd.MultiIndex.from_frame(current[AIM_KEYS]))
    exact = here.isin(pd.MultiIndex.from_frame(flagged[AIM_KEYS]))
    same = pd.MultiIndex.from_frame(scope[enrolment].astype(object)).isin(
        pd.MultiIndex.from_frame(flagged[enrolment].astype(object)))
    rows = scope[(is_current & exact) | (~is_current & same)]
    if rows.empty:
        return pd.DataFrame()
    ulns = (rows[enrolment].astype(object).reset_index()
            .merge(flagged[[*enrolment, "uln"]].astype(object).drop_duplicates(enrolment), on=enrolment, how="left")
            .set_index("index")["uln"].reindex(rows.index))
    kept = first[["learn_aim_ref", "ukprn", "learn_ref_number", "aim_seq_number", "learn_start_date"]]
    kept = kept.reindex(ulns.to_numpy()).set_axis(rows.index)

    def message(r: pd.DataFrame) -> list[str]:
        out = []
        for ref, start, u, k_ref, k_ukprn, k_lrn, k_seq, k_start in zip(
                r["learn_aim_ref"], r["learn_start_date"], ulns, kept["learn_aim_ref"], kept["ukprn"],
                kept["learn_ref_number"], kept["aim_seq_number"], kept["learn_start_date"], strict=True):
            other = (f"{_text(k_ref)} at UKPRN {_text(k_ukprn)} (learner {_text(k_lrn)}, aim {_text(k_seq)}) "
                     f"started {fmt_date(k_start)}")
            out.append(f"ULN {_text(u)} is continuing on bootcamp {_text(ref)} started {fmt_date(start)} and also on "
                       f"{other}; only the continuing bootcamp with the earliest LearnStartDate is paid")
        return out

    return ctx.findings(rows, field="CompStatus", value="1", message=message)


# --- restarts and hours ---------------------------------------------------------------------------------

@rule("W5_RESTART_01", "error", reads=["LearningDeliveryFAM", "OrigLearnStartDate"], family="delivery")
def restart_without_original_start(ctx: RuleContext) -> pd.DataFrame:
    """A restart (RES FAM) without OrigLearnStartDate.

    **What it checks**: every learning delivery flagged as a restart (a LearningDeliveryFAM of type RES) has
    an OrigLearnStartDate.

    **Why it matters**: the original learning start date "should be used to record the original learning
    start date if the learner is restarting the learning aim ... It should be completed on the new learning
    aim record that is added when the learner returns from the break in learning" (Wave 5 guidance, Is the
    aim a restart? and Original learning start date). Without it the restart cannot be linked to the first
    start, and a second Milestone 1 may be claimed.

    **Example**: a bootcamp with RES 1 and no OrigLearnStartDate: error finding on OrigLearnStartDate.

    **Limits**: every delivery in scope with a RES FAM, whatever its code.
    """
    aims = ctx.aims
    restart = ctx.has_fam("RES", aims=aims)
    rows = aims[restart & aims["orig_learn_start_date"].isna()]
    return ctx.findings(rows, field="OrigLearnStartDate", value=pd.NA,
                        message=lambda r: [f"{_text(ref)} is a restart (RES FAM) without an OrigLearnStartDate; "
                                           "expected the learner's original learning start date"
                                           for ref in r["learn_aim_ref"]])


@rule("W5_GLH_01", "warning", reads=["PlanLearnHours", "PHours", "LearnStartDate", "LearnPlanEndDate"],
      family="delivery", needs_contract=True)
def weekly_hours_below_minimum(ctx: RuleContext) -> pd.DataFrame:
    """Planned hours per planned week below the minimum for the bootcamp's mode (full-time 25, part-time 10).

    **What it checks**: for each bootcamp aim whose allocation in the contract gives a mode, the planned hours
    divided by the planned weeks is at least 25 for a full-time and 10 for a part-time bootcamp. The hours
    are the delivery's PHours (planned hours of this aim) when returned, else the learner's PlanLearnHours;
    the weeks are the planned duration, (LearnPlanEndDate - LearnStartDate) in days / 7.

    **Why it matters**: the WMCA bootcamp delivery requirements set a "Minimum of 25 GLH per week" for a
    full-time and a "Minimum of 10 GLH per week" for a part-time bootcamp, with "Evidence of meeting the
    minimum guided learning hours per week" for audit (bootcamp guidance, delivery and evidence
    requirements); PlanLearnHours holds "the planned hours for the learner for the Bootcamp" (Wave 5
    guidance, Planned learning hours).

    **Example**: a full-time bootcamp planned 2024-05-01 to 2024-07-24 (12 weeks) with PlanLearnHours 240:
    20 hours a week; warning on PlanLearnHours `240`. 300 hours (exactly 25 a week) passes.

    **Limits**: the learner's own planned weeks are used rather than the contract's nominal weeks, since the
    minimum is per week of the learner's bootcamp; when the planned dates are missing or not in order
    (W5_DATE_04) the contract's weeks are used instead, and without either no finding is made. PlanLearnHours
    is an annual learner field: a learner with several bootcamps in one return and no PHours has it compared
    with each of them. Missing hours give no finding (W5_MAND_01 reports a missing PlanLearnHours). Needs the
    mode of the aim's allocation: "not evaluated" once per provider with a bootcamp aim whose contract gives
    no mode (no contracts, no contract, aim not allocated, or no mode).
    """
    aims = ctx.bootcamps
    if aims.empty:
        return pd.DataFrame()
    alloc = _allocations(ctx, aims)
    known = alloc["mode"].isin(list(MIN_WEEKLY_HOURS)).fillna(False).astype(bool)
    lacking = aims.loc[~known].assign(_allocated=alloc.loc[~known, "_allocated"])

    def what(ukprn: int) -> str:
        mine = lacking[(lacking["ukprn"] == ukprn).fillna(False).astype(bool)]
        not_allocated = sorted(set(mine.loc[~mine["_allocated"], "learn_aim_ref"].dropna()))
        no_mode = sorted(set(mine.loc[mine["_allocated"], "learn_aim_ref"].dropna()))
        parts = ([f"allocation for {', '.join(not_allocated[:5])}"] if not_allocated else []) + (
            [f"mode (full-time or part-time) for {', '.join(no_mode[:5])}"] if no_mode else [])
        return " and no ".join(parts) or "mode for the bootcamp aim"

    missing = _not_evaluated(ctx, lacking["ukprn"], "PlanLearnHours", "W5_GLH_01", what,
                             "needed: the mode (full-time or part-time) of each bootcamp aim's allocation")
    aims, alloc = aims[known], alloc[known]
    people = ctx.learners[[*LEARNER_KEYS, "plan_learn_hours"]].drop_duplicates(LEARNER_KEYS)
    plan = aims[LEARNER_KEYS].merge(people, on=LEARNER_KEYS, how="left")["plan_learn_hours"].to_numpy()
    p_hours = pd.to_numeric(aims["p_hours"], errors="coerce")
    use_p = p_hours.notna()
    hours = p_hours.where(use_p, pd.Series(plan, index=aims.index, dtype="Float64"))
    days = (_date(aims["learn_plan_end_date"]) - _date(aims["learn_start_date"])).dt.days
    dated = (days > 0).fillna(False).astype(bool)
    weeks = (days / 7).where(dated, pd.to_numeric(alloc["weeks"], errors="coerce"))
    minimum = alloc["mode"].map(MIN_WEEKLY_HOURS)
    bad = (hours.astype("Float64") < minimum.astype("Float64") * weeks.astype("Float64")).fillna(False).astype(bool)
    rows = aims[bad]
    if rows.empty:
        return missing
    sub = pd.DataFrame({"hours": hours[bad], "weeks": weeks[bad], "use_p": use_p[bad], "dated": dated[bad],
                        "mode": alloc["mode"][bad], "minimum": minimum[bad]})

    def message(r: pd.DataFrame) -> list[str]:
        out = []
        for h, w, use_p, dated, mode, least, start, end in zip(
                sub["hours"], sub["weeks"], sub["use_p"], sub["dated"], sub["mode"], sub["minimum"],
                r["learn_start_date"], r["learn_plan_end_date"], strict=True):
            source = "PHours" if use_p else "PlanLearnHours"
            span = (f"{w:.1f} planned weeks ({fmt_date(start)} to {fmt_date(end)})" if dated
                    else f"the contract's {_text(w)} weeks")
            out.append(f"{source} {_text(h)} over {span} is {h / w:.1f} hours a week; "
                       f"a {mode} bootcamp needs at least {least} hours a week")
        return out

    field = sub["use_p"].map({True: "PHours", False: "PlanLearnHours"})
    found = ctx.findings(rows, field=field, value=_value(sub["hours"]), message=message)
    return _concat([found, missing])
