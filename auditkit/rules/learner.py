"""Learner rules of the WMCA Wave 5 catalogue (W5_UKPRN_*, W5_ULN_*, W5_DOB_*, W5_EMP_*, W5_MAND_*, ...)."""

from __future__ import annotations

import weakref

import pandas as pd

from auditkit.facts.context import AIM_KEYS, LEARNER_KEYS, RuleContext, fmt_date
from auditkit.reference.uln import TEMPORARY_ULN, is_valid_uln
from auditkit.rules.registry import rule


@rule("W5_ULN_01", "no-pay", reads=["ULN"], family="learner")
def uln_missing(ctx: RuleContext) -> pd.DataFrame:
    """ULN missing, or the temporary ULN 9999999999.

    **What it checks**: every learner has a real Unique Learner Number: present and not the temporary
    number 9999999999.

    **Why it matters**: the funder tracks one Milestone 1 and one Milestone 2 per person by ULN (Wave 5
    guidance, payment milestone rules); without a real ULN a learner's claims cannot be checked against
    other claims, so the Learner Entry Tool's no-pay report refuses them.

    **Example**: learner `WMA0007` is returned with ULN `9999999999`: no-pay finding on ULN.
    """
    people = ctx.learners
    bad = people["uln"].isna() | (people["uln"] == TEMPORARY_ULN)
    rows = people[bad.fillna(True)]
    return ctx.findings(rows, field="ULN", value=rows["uln"], learner_level=True,
                        message=lambda r: r["uln"].map(
                            lambda u: "ULN is missing; a 10-digit ULN is required" if pd.isna(u)
                            else "ULN is the temporary 9999999999; the learner's real ULN is required"))


@rule("W5_ULN_02", "error", reads=["ULN"], family="learner")
def uln_check_digit(ctx: RuleContext) -> pd.DataFrame:
    """ULN is not a valid 10-digit ULN (fails the ULN check digit).

    **What it checks**: the ULN has exactly 10 digits and its last digit is the check digit of the first
    nine (ESFA derived data item DD01, validation rule ULN_04): weight the first nine digits 10, 9, ..., 2,
    add them, take the remainder of the sum divided by 11; the tenth digit must be 10 minus the remainder
    (a remainder of 0 makes every ULN invalid).

    **Why it matters**: a mistyped ULN attaches the learner's claims to somebody else, or to nobody, and
    defeats the one-claim-per-person checks.

    **Example**: ULN `1000000018`: the first nine digits give remainder 1, so the check digit must be 9;
    error finding. `1000000019` passes.

    **Limits**: missing and temporary ULNs are W5_ULN_01, not this rule.
    """
    people = ctx.learners
    uln = people["uln"]
    given = (uln.notna() & (uln != TEMPORARY_ULN)).to_numpy(dtype=bool, na_value=False)
    bad = given.copy()  # not .map: all-NA pyarrow text maps to a null type that takes no fillna(False)
    bad[given] = [not is_valid_uln(v) for v in uln[given].tolist()]
    rows = people[bad]
    return ctx.findings(rows, field="ULN", value=rows["uln"], learner_level=True,
                        message=lambda r: "ULN " + r["uln"] + " fails the ULN check digit (ESFA ULN_04); "
                        "expected 10 digits whose last is the check digit of the first nine")


# -- shared helpers ----------------------------------------------------------------------------------------

_UNKNOWN_POSTCODE = "ZZ999ZZ"  # ZZ99 9ZZ without spaces
_STARTS: weakref.WeakKeyDictionary[RuleContext, pd.DataFrame] = weakref.WeakKeyDictionary()


def _keys_in(frame: pd.DataFrame, other: pd.DataFrame, keys: list[str]) -> pd.Series:
    """True for the rows of ``frame`` whose ``keys`` occur in ``other``."""
    if frame.empty:
        return pd.Series(False, index=frame.index, dtype=bool)
    found = pd.MultiIndex.from_frame(frame[keys]).isin(pd.MultiIndex.from_frame(other[keys]))
    return pd.Series(found, index=frame.index, dtype=bool)


def bootcamp_starts(ctx: RuleContext) -> pd.DataFrame:
    """One row per learner in scope and bootcamp aim whose start the learner's start rules look at.

    Per the catalogue's Clarifications, a learner's bootcamp aim counts wherever it was recorded:

    1. the bootcamp aims in the learner's own return (``own`` is True; ``aim_seq_number`` names the aim);
    2. otherwise (e.g. a 2024-25 return holding only the learner's M3 aim) the bootcamp aims recorded for the
       same UKPRN and LearnRefNumber in any other loaded return;
    3. otherwise those recorded for the same UKPRN and ULN (a real ULN, not missing or 9999999999).

    Rows of 2 and 3 keep the in-scope learner's keys (so its own employment, prior attainment and date of
    birth are used), with ``aim_seq_number`` empty and ``bootcamp_return_id`` naming where the aim is.
    A learner with no bootcamp aim anywhere has no row. Columns: the aim keys, ``learn_aim_ref``,
    ``learn_start_date``, ``bootcamp_return_id``, ``own``, ``date_of_birth``, ``uln``, ``line`` (the delivery's
    line for own aims, else the learner's).
    """
    cached = _STARTS.get(ctx)
    if cached is not None:
        return cached
    people = ctx.learners[[*LEARNER_KEYS, "uln", "date_of_birth", "line"]]
    cols = ["learn_aim_ref", "learn_start_date"]
    own = ctx.bootcamps[[*AIM_KEYS, *cols, "line"]].merge(people.drop(columns="line"), on=LEARNER_KEYS, how="left")
    own = own.assign(bootcamp_return_id=own["return_id"], own=True)
    rest = people[~_keys_in(people, own, LEARNER_KEYS)]
    elsewhere = ctx.all_bootcamps[["return_id", "ukprn", "learn_ref_number", "uln", *cols]].rename(
        columns={"return_id": "bootcamp_return_id"})
    # the first row of each distinct bootcamp only (learners sharing a ULN would otherwise pair every aim)
    by_ref = rest.merge(elsewhere.drop(columns="uln").drop_duplicates(["ukprn", "learn_ref_number", *cols]),
                        on=["ukprn", "learn_ref_number"], how="inner")
    rest = rest[~_keys_in(rest, by_ref, LEARNER_KEYS)]
    real = rest["uln"].notna() & (rest["uln"] != TEMPORARY_ULN)
    by_uln = rest[real.fillna(False).astype(bool)].merge(
        elsewhere.drop(columns="learn_ref_number").dropna(subset=["uln"]).drop_duplicates(["ukprn", "uln", *cols]),
        on=["ukprn", "uln"], how="inner")
    others = pd.concat([by_ref, by_uln], ignore_index=True)
    others = others.drop_duplicates([*LEARNER_KEYS, *cols]).reset_index(drop=True)
    others = others.assign(aim_seq_number=pd.Series(pd.NA, index=others.index, dtype="Int64"), own=False)
    out = pd.concat([own, others], ignore_index=True) if len(others) else own.reset_index(drop=True)
    out = out[[*AIM_KEYS, *cols, "bootcamp_return_id", "own", "date_of_birth", "uln", "line"]]
    _STARTS[ctx] = out
    return out


def _bootcamp_text(rows: pd.DataFrame) -> pd.Series:
    """``Z0009501 starting 2024-05-01`` (plus ``, recorded in return X`` for an aim in another return)."""
    start = rows["learn_start_date"].map(fmt_date)
    text = rows["learn_aim_ref"].fillna("(no LearnAimRef)") + " starting " + start
    text = text.where(rows["learn_start_date"].notna(), rows["learn_aim_ref"].fillna("(no LearnAimRef)")
                      + " (LearnStartDate missing)")
    where = ", recorded in return " + rows["bootcamp_return_id"].astype("string")
    return (text + where.where(~rows["own"].astype(bool), "")).astype("string")


def _per_learner(rows: pd.DataFrame, text: pd.Series, value: pd.Series | None = None) -> pd.DataFrame:
    """Collapse failing (learner, bootcamp) rows to one row per learner: ``text`` joined with ``; ``, the
    first ``value`` and the first row's ``line`` (the bootcamp delivery's line for an aim in the same return)."""
    work = rows[LEARNER_KEYS].assign(_text=text.to_numpy(), _line=rows["line"].to_numpy(),
                                     _value=pd.NA if value is None else value.to_numpy())
    grouped = work.groupby(LEARNER_KEYS, dropna=False, sort=False).agg(
        _text=("_text", lambda t: "; ".join(dict.fromkeys(t))), _value=("_value", "first"), line=("_line", "first"))
    return grouped.reset_index()


def _blank(series: pd.Series) -> pd.Series:
    """True where a value is missing (NA or only spaces)."""
    missing = series.isna()
    if pd.api.types.is_string_dtype(series):
        missing = missing | (series.str.strip() == "").fillna(True)
    return missing.fillna(True).astype(bool)


def _as_text(series: pd.Series) -> pd.Series:
    return series.astype("string")


# -- W5_UKPRN_01 --------------------------------------------------------------------------------------------

@rule("W5_UKPRN_01", "no-pay", reads=["UKPRN", "Header.Source.UKPRN"], family="learner")
def ukprn_contract(ctx: RuleContext) -> pd.DataFrame:
    """The return's UKPRN has no WMCA contract, or differs from the UKPRN in the file header.

    **What it checks**: when contracts were given, the UKPRN of each return's LearningProvider has a contract,
    and equals the UKPRN in the file header (Source). A return failing either check gets one finding for
    every learner in it.

    **Why it matters**: the Wave 5 guidance (Learner Entry Tool, home page, UKPRN) says the UKPRN "should match
    the UKPRN used in the signed contract with the WMCA"; it is also the UKPRN written into the file header
    and the file name. Claims returned under any other UKPRN cannot be paid under the contract.

    **Example**: contracts are given for 10000001 only and a return's LearningProvider UKPRN is 10000002:
    no-pay finding on UKPRN for each of its learners. A return whose header says 10000009 while its
    LearningProvider says 10000001 fails the same way.

    **Limits**: runs only when contracts were given (without contracts nothing is checked). A missing header
    UKPRN (the XSD requires it) counts as not matching, since the return's provider cannot then be confirmed.
    """
    if not ctx.contracts_given:
        return ctx.findings(pd.DataFrame(), field="UKPRN", message="")
    contracted = {int(u) for u in ctx.contract_table()["ukprn"].dropna()}
    returns = ctx.returns[["return_id", "ukprn", "header_ukprn"]]
    no_contract = ~returns["ukprn"].isin(contracted).fillna(False).astype(bool) | returns["ukprn"].isna()
    differs = (returns["header_ukprn"] != returns["ukprn"]).fillna(True).astype(bool)
    bad = returns.assign(no_contract=no_contract, differs=differs)[no_contract | differs]
    if bad.empty:
        return ctx.findings(pd.DataFrame(), field="UKPRN", message="")
    shown = ", ".join(str(u) for u in sorted(contracted)[:5]) + (", ..." if len(contracted) > 5 else "")
    reasons: dict[str, str] = {}
    for r in bad.itertuples(index=False):
        ukprn = "(missing)" if pd.isna(r.ukprn) else str(r.ukprn)
        parts = []
        if r.no_contract:
            parts.append(f"LearningProvider UKPRN {ukprn} has no WMCA contract (contracts are given for "
                         f"{shown or 'no UKPRN'})")
        if r.differs:
            header = "missing" if pd.isna(r.header_ukprn) else str(r.header_ukprn)
            parts.append(f"LearningProvider UKPRN {ukprn} differs from the file header UKPRN {header}; "
                         "both must be the contracted UKPRN")
        reasons[r.return_id] = "; ".join(parts)
    rows = ctx.learners[ctx.learners["return_id"].isin(list(reasons))]
    return ctx.findings(rows, field="UKPRN", value=_as_text(rows["ukprn"]), learner_level=True,
                        message=lambda r: r["return_id"].map(reasons))


# -- W5_DOB_* -----------------------------------------------------------------------------------------------

@rule("W5_DOB_01", "no-pay", reads=["DateOfBirth"], family="learner")
def dob_missing(ctx: RuleContext) -> pd.DataFrame:
    """DateOfBirth missing.

    **What it checks**: every learner has a DateOfBirth.

    **Why it matters**: the Wave 5 guidance makes date of birth a mandatory field with a validation rule: it
    gives the learner's age group, and under-19s are not funded and appear on the no pay report. Without a
    date of birth the learner's eligibility cannot be shown (ESFA rule DateOfBirth_01 also requires it for
    Skills Bootcamp provision).

    **Example**: learner `L1` is returned without DateOfBirth: no-pay finding on DateOfBirth.

    **Limits**: a date that cannot be read is reported by the reader and counts as missing here.
    """
    people = ctx.learners
    rows = people[people["date_of_birth"].isna()]
    return ctx.findings(rows, field="DateOfBirth", value=pd.NA, learner_level=True,
                        message="DateOfBirth is missing; it is mandatory, and needed to show the learner was 19 "
                                "or over at the bootcamp start")


@rule("W5_DOB_02", "no-pay", reads=["DateOfBirth", "LearnStartDate"], family="learner")
def dob_under_19(ctx: RuleContext) -> pd.DataFrame:
    """Learner under 19 at the start of a bootcamp aim (one finding per such aim).

    **What it checks**: the learner's age in whole years on each bootcamp aim's LearnStartDate is 19 or more.
    A learner is 19 on their 19th birthday (someone born on 29 February turns 19 on 1 March in other years).
    The bootcamp aim is looked for wherever it was recorded: in the learner's return, else in another loaded
    return of the same provider (same LearnRefNumber, else same ULN).

    **Why it matters**: the Wave 5 guidance (Learner, date of birth): "Under 19-year-olds are not routinely
    funded by Bootcamps ... Under 19-year-old learners will appear on the no pay report".

    **Example**: DateOfBirth 2005-05-02 and bootcamp LearnStartDate 2024-05-01: the learner is 18 on the
    start date, no-pay finding on the bootcamp aim. Born 2005-05-01, the learner is exactly 19: no finding.

    **Limits**: a missing DateOfBirth is W5_DOB_01's finding, not this rule's. A bootcamp aim with no
    LearnStartDate gets a finding, since the learner's age at the start cannot be shown. A bootcamp aim
    recorded only in another return is named in the message, with the finding's aim left empty.
    """
    starts = bootcamp_starts(ctx)
    dob = starts["date_of_birth"].dt.normalize()
    start = starts["learn_start_date"].dt.normalize()
    before_birthday = (start.dt.month < dob.dt.month) | ((start.dt.month == dob.dt.month) & (start.dt.day < dob.dt.day))
    age = (start.dt.year - dob.dt.year).astype("Int64") - before_birthday.astype("Int64")  # NA without both dates
    has_dob = dob.notna()
    bad = has_dob & (start.isna() | (age < 19).fillna(False).astype(bool))
    rows = starts[bad.astype(bool)]
    if rows.empty:
        return ctx.findings(rows, field="DateOfBirth", message="")
    ages = age[bad.astype(bool)]
    what = _bootcamp_text(rows)
    born = rows["date_of_birth"].map(fmt_date)
    message = ("Learner (DateOfBirth " + born + ") is " + ages.astype("string").fillna("?")
               + " at the start of bootcamp aim " + what + "; learners must be 19 or over at the bootcamp start")
    missing_start = ("Learner's age at the start of bootcamp aim " + what + " cannot be worked out (DateOfBirth "
                     + born + "); learners must be shown to be 19 or over at the bootcamp start")
    message = message.where(rows["learn_start_date"].notna(), missing_start)
    return ctx.findings(rows, field="DateOfBirth", value=born, message=message)


# -- W5_EMP_* -----------------------------------------------------------------------------------------------

@rule("W5_EMP_01", "no-pay", reads=["LearnerEmploymentStatus", "DateEmpStatApp", "LearnStartDate"],
      family="learner")
def emp_none_at_start(ctx: RuleContext) -> pd.DataFrame:
    """No employment status record with DateEmpStatApp on or before the bootcamp LearnStartDate.

    **What it checks**: for each of the learner's bootcamp aims, at least one LearnerEmploymentStatus has a
    DateEmpStatApp on or before the aim's LearnStartDate (so a status applies at the start). One finding per
    learner, listing every bootcamp aim without one.

    **Why it matters**: the Wave 5 guidance (Employment status) says the status "should reflect the learner's
    situation at the start of the Bootcamp" and its date "must be before the start date of the Bootcamp";
    eligibility and the low-wage and unemployed categories are judged from it, so without it the learner
    is on the no pay report.

    **Example**: the only employment status has DateEmpStatApp 2024-05-02 and the bootcamp starts 2024-05-01:
    no-pay finding on DateEmpStatApp, value 2024-05-02. A status dated 2024-05-01 passes.

    **Limits**: a status without a DateEmpStatApp does not apply at any date. A bootcamp aim without a
    LearnStartDate gets a finding (no status can be shown to apply at its start). Bootcamp aims are found
    as in W5_DOB_02; a learner with no bootcamp aim anywhere is not checked.
    """
    starts = bootcamp_starts(ctx)
    status = ctx.status_at_start(starts)
    rows = starts[status["date_emp_stat_app"].isna().to_numpy()]
    if rows.empty:
        return ctx.findings(rows, field="DateEmpStatApp", message="")
    emp = ctx.employment
    earliest = emp.groupby(LEARNER_KEYS, dropna=False)["date_emp_stat_app"].min()
    counts = emp.groupby(LEARNER_KEYS, dropna=False).size()
    index = pd.MultiIndex.from_frame(rows[LEARNER_KEYS])
    first = pd.Series(earliest.reindex(index).to_numpy(), index=rows.index)
    count = pd.Series(counts.reindex(index).fillna(0).to_numpy(), index=rows.index)
    first_text = first.map(fmt_date)
    found = ("the earliest DateEmpStatApp is " + first_text).where(
        first.notna(), "no LearnerEmploymentStatus record is returned")
    found = found.where(~((count > 0) & first.isna()), "no LearnerEmploymentStatus record has a DateEmpStatApp")
    text = "bootcamp aim " + _bootcamp_text(rows) + " (" + found + ")"
    value = first_text.where(first.notna(), pd.NA).astype("string")
    out = _per_learner(rows, text, value)
    return ctx.findings(out, field="DateEmpStatApp", value=out["_value"], learner_level=True,
                        message="No employment status applies at the start of " + out["_text"]
                        + "; a LearnerEmploymentStatus with DateEmpStatApp on or before the bootcamp "
                        "LearnStartDate is required")


@rule("W5_EMP_02", "no-pay", reads=["EmpStat", "DateEmpStatApp", "LearnStartDate"], family="learner")
def emp_unknown_at_start(ctx: RuleContext) -> pd.DataFrame:
    """The employment status applying at the bootcamp start is 98 (not known / not provided).

    **What it checks**: the employment status applying at each bootcamp aim's LearnStartDate (the latest
    LearnerEmploymentStatus with DateEmpStatApp on or before it) is not 98. One finding per learner.

    **Why it matters**: the Wave 5 guidance (Employment status): code 98 "any learner with this status will
    fail the WMCA validation rules and will not generate funding until the correct Employment status is
    recorded".

    **Example**: EmpStat 98 from 2024-03-01 and the bootcamp starts 2024-05-01: no-pay finding on EmpStat,
    value 98. A 98 dated after the start (with 11 before it) does not apply at the start and passes.

    **Limits**: a learner with no status applying at the start is W5_EMP_01's finding. Bootcamp aims are
    found as in W5_DOB_02.
    """
    starts = bootcamp_starts(ctx)
    status = ctx.status_at_start(starts)
    bad = (status["emp_stat"] == 98).fillna(False).astype(bool).to_numpy()
    rows = starts[bad]
    if rows.empty:
        return ctx.findings(rows, field="EmpStat", message="")
    since = status.loc[bad, "date_emp_stat_app"].map(fmt_date).to_numpy()
    text = "bootcamp aim " + _bootcamp_text(rows) + " (status from DateEmpStatApp " + since + ")"
    out = _per_learner(rows, text)
    return ctx.findings(out, field="EmpStat", value="98", learner_level=True,
                        message="Employment status 98 (not known / not provided) applies at the start of "
                        + out["_text"] + "; 10, 11 or 12 is required")


@rule("W5_EMP_03", "error", reads=["EmpStat", "ESMType", "ESMCode"], family="learner")
def emp_11_without_lou(ctx: RuleContext) -> pd.DataFrame:
    """Employment status 11 (not employed, looking for work) without a length-of-unemployment (LOU) record.

    **What it checks**: every LearnerEmploymentStatus with EmpStat 11 has an EmploymentStatusMonitoring with
    ESMType LOU and an ESMCode. Every status 11 record of the learner is checked, not only the one applying
    at the bootcamp start; one finding per such record.

    **Why it matters**: the Wave 5 guidance (Employment status, Length of unemployment): it "must be completed
    on all records where the Employment status is recorded as code 11"; ESFA rule ESMType_08 says the same.
    The length of unemployment is reported to the funder as a bootcamp outcome measure.

    **Example**: EmpStat 11 from 2024-03-01 with no monitoring record: error finding on ESMType, naming the
    status date.

    **Limits**: only learners with a bootcamp aim (found as in W5_DOB_02) are checked. An LOU record without
    an ESMCode does not count.
    """
    learners = bootcamp_starts(ctx)[LEARNER_KEYS].drop_duplicates()
    emp = ctx.data.employment_statuses
    eleven = emp[(emp["emp_stat"] == 11).fillna(False).astype(bool)]
    eleven = eleven[_keys_in(eleven, learners, LEARNER_KEYS)]
    esm = ctx.data.employment_status_monitoring
    lou = esm[(esm["esm_type"].str.strip().str.upper() == "LOU").fillna(False).astype(bool) & esm["esm_code"].notna()]
    keys = [*LEARNER_KEYS, "emp_status_seq"]
    rows = eleven[~_keys_in(eleven, lou, keys)]
    return ctx.findings(rows, field="ESMType", value=pd.NA, learner_level=True,
                        message=lambda r: "Employment status 11 (not employed, looking for work) from DateEmpStatApp "
                        + r["date_emp_stat_app"].map(fmt_date) + " has no length of unemployment; an "
                        "EmploymentStatusMonitoring with ESMType LOU is required on every status 11 record")


# -- W5_MAND_01 ---------------------------------------------------------------------------------------------

#: Mandatory learner elements checked by W5_MAND_01: ILR element -> learners frame column.
MANDATORY_FIELDS: dict[str, str] = {
    "GivenNames": "given_names", "FamilyName": "family_name", "Sex": "sex", "Ethnicity": "ethnicity",
    "NINumber": "ni_number", "PostcodePrior": "postcode_prior", "Postcode": "postcode",
    "LLDDHealthProb": "lldd_health_prob", "PlanLearnHours": "plan_learn_hours",
}


@rule("W5_MAND_01", "error", reads=[*MANDATORY_FIELDS, "PriorAttain"], family="learner")
def mandatory_fields(ctx: RuleContext) -> pd.DataFrame:
    """A mandatory learner field is missing (one finding per missing field, naming it).

    **What it checks**: each learner has GivenNames, FamilyName, Sex, Ethnicity, NINumber, PostcodePrior,
    Postcode, LLDDHealthProb and PlanLearnHours, and at least one PriorAttain record. A blank value counts as
    missing; so does a value the reader could not read (e.g. a non-numeric Ethnicity). The finding's field
    is the missing element (``PriorAttain`` for no prior attainment record).

    **Why it matters**: the Wave 5 guidance marks these as MANDATORY FIELDs of the Learner Entry Tool:
    "Learners with incomplete mandatory fields will not be included in the ILR export", so a return holding
    such a learner was not produced by the tool as intended, and the record is incomplete for the funder.

    **Example**: learner `L1` has no NINumber and no PriorAttain record: two error findings, fields NINumber
    and PriorAttain.

    **Limits**: PlanLearnHours is only required of a learner with a bootcamp aim in the same return (the
    guidance: "only collected where active learning is present during the year"), so a return holding
    only a learner's M3 aim does not need it. The XSD itself requires Sex, Ethnicity, LLDDHealthProb,
    PostcodePrior and Postcode: the reader also reports these as problems, and keeps the learner.
    """
    people = ctx.learners
    active = _keys_in(people, ctx.bootcamps, LEARNER_KEYS)
    frames = []
    for element, column in MANDATORY_FIELDS.items():
        missing = _blank(people[column])
        if element == "PlanLearnHours":
            missing = missing & active
        rows = people[missing]
        frames.append(ctx.findings(rows, field=element, value=pd.NA, learner_level=True,
                                   message=f"{element} is missing; it is a mandatory learner field of the Learner "
                                           "Entry Tool"))
    no_prior = people[~_keys_in(people, ctx.data.prior_attainments, LEARNER_KEYS)]
    frames.append(ctx.findings(no_prior, field="PriorAttain", value=pd.NA, learner_level=True,
                               message="No PriorAttain record; the learner's prior attainment level (PriorLevel) "
                                       "and the date it applies from (DateLevelApp) are mandatory"))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else ctx.findings(pd.DataFrame(), field="", message="")


# -- W5_LLDD_01 ---------------------------------------------------------------------------------------------

@rule("W5_LLDD_01", "error", reads=["LLDDHealthProb", "LLDDandHealthProblem", "PrimaryLLDD"], family="learner")
def lldd_records(ctx: RuleContext) -> pd.DataFrame:
    """LLDDHealthProb is 1 but there is no LLDDandHealthProblem record, or not exactly one record is primary.

    **What it checks**: a learner with LLDDHealthProb 1 (has a learning difficulty, disability or health
    problem) has at least one LLDDandHealthProblem record; and a learner with LLDDandHealthProblem records
    has exactly one of them with PrimaryLLDD 1. One finding per learner.

    **Why it matters**: the Wave 5 guidance (LLDD and learning support): the category "must be completed" when
    LLDDHealthProb is, and the primary indicator "must be returned against one of the LLDD and health problem
    records ... must only be returned against one" (ESFA rules LLDDHealthProb_06, PrimaryLLDD_01/03/04).

    **Example**: LLDDHealthProb 1 with records of categories 4 and 5, both PrimaryLLDD 1: error finding on
    PrimaryLLDD, value 2. With one record marked primary it passes.

    **Limits**: the primary check applies whenever records are returned, whatever LLDDHealthProb says (as
    ESFA's PrimaryLLDD rules do). A missing LLDDHealthProb is W5_MAND_01's finding.
    """
    people = ctx.learners
    lldd = ctx.data.lldd_health_problems
    stats = lldd.assign(_primary=(lldd["primary_lldd"] == 1).fillna(False).astype(int)).groupby(
        LEARNER_KEYS, dropna=False).agg(records=("_primary", "size"), primaries=("_primary", "sum"))
    index = pd.MultiIndex.from_frame(people[LEARNER_KEYS])
    records = pd.Series(stats["records"].reindex(index).fillna(0).to_numpy(), index=people.index).astype(int)
    primaries = pd.Series(stats["primaries"].reindex(index).fillna(0).to_numpy(), index=people.index).astype(int)
    none = (people["lldd_health_prob"] == 1).fillna(False).astype(bool) & (records == 0)
    wrong = (records > 0) & (primaries != 1)
    rows = people[none]
    first = ctx.findings(rows, field="LLDDandHealthProblem", value=pd.NA, learner_level=True,
                         message="LLDDHealthProb is 1 (the learner has a learning difficulty, disability or health "
                                 "problem) but no LLDDandHealthProblem record is returned; at least one is required")
    rows = people[wrong]
    second = ctx.findings(rows, field="PrimaryLLDD", value=primaries[wrong].astype(str), learner_level=True,
                          message=primaries[wrong].astype(str) + " of the learner's " + records[wrong].astype(str)
                          + " LLDDandHealthProblem records have PrimaryLLDD 1; exactly one must be marked primary")
    frames = [f for f in (first, second) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else first


# -- W5_PRIOR_01 --------------------------------------------------------------------------------------------

@rule("W5_PRIOR_01", "error", reads=["DateLevelApp", "LearnStartDate"], family="learner")
def prior_after_start(ctx: RuleContext) -> pd.DataFrame:
    """The prior attainment's DateLevelApp is after the bootcamp LearnStartDate.

    **What it checks**: for each of the learner's bootcamp aims, a PriorAttain record applies at its start:
    the earliest DateLevelApp is on or before the aim's LearnStartDate. One finding per learner.

    **Why it matters**: the Wave 5 guidance (Prior attainment, Date level applies from): "The date needs to
    match or be before the Bootcamp learning start date"; prior attainment records the learner's level at
    the start, which eligibility and reporting use.

    **Example**: the only PriorAttain has DateLevelApp 2024-05-02 and the bootcamp starts 2024-05-01: error
    finding on DateLevelApp, value 2024-05-02. DateLevelApp 2024-05-01 passes.

    **Limits**: when several PriorAttain records are returned, a later one (a level gained afterwards) is
    accepted as long as one applies at the start. A learner without PriorAttain is W5_MAND_01's finding.
    Records without a DateLevelApp do not apply; a bootcamp aim without a LearnStartDate gets a finding.
    Bootcamp aims are found as in W5_DOB_02.
    """
    starts = bootcamp_starts(ctx)
    prior = ctx.data.prior_attainments
    starts = starts[_keys_in(starts, prior, LEARNER_KEYS)]
    earliest = prior.groupby(LEARNER_KEYS, dropna=False)["date_level_app"].min()
    first = pd.Series(earliest.reindex(pd.MultiIndex.from_frame(starts[LEARNER_KEYS])).to_numpy(),
                      index=starts.index, dtype="datetime64[ns]")
    start = starts["learn_start_date"].dt.normalize()
    ok = (first.dt.normalize() <= start).fillna(False).astype(bool)
    rows = starts[~ok]
    if rows.empty:
        return ctx.findings(rows, field="DateLevelApp", message="")
    first = first[~ok]
    first_text = first.map(fmt_date)
    found = ("the earliest DateLevelApp " + first_text + " is after it").where(
        first.notna(), "no PriorAttain record has a DateLevelApp")
    found = found.where(rows["learn_start_date"].notna() | first.isna(),
                        "DateLevelApp " + first_text + " cannot be compared")
    text = "bootcamp aim " + _bootcamp_text(rows) + " (" + found + ")"
    out = _per_learner(rows, text, first_text.where(first.notna(), pd.NA).astype("string"))
    return ctx.findings(out, field="DateLevelApp", value=out["_value"], learner_level=True,
                        message="No prior attainment applies at the start of " + out["_text"]
                        + "; DateLevelApp must be on or before the bootcamp LearnStartDate")


# -- W5_PC_01 -----------------------------------------------------------------------------------------------

def _is_unknown_postcode(series: pd.Series) -> pd.Series:
    compact = series.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return (compact == _UNKNOWN_POSTCODE).fillna(False).astype(bool)


@rule("W5_PC_01", "warning", reads=["Postcode", "LSDPostcode"], family="learner")
def unknown_postcode(ctx: RuleContext) -> pd.DataFrame:
    """Postcode or LSDPostcode is the unknown postcode ZZ99 9ZZ.

    **What it checks**: the learner's Postcode, and the LSDPostcode (learning start date postcode) of each of
    the learner's deliveries, is not ZZ99 9ZZ (compared ignoring case and spaces). One finding per learner
    and field: one for Postcode, one for LSDPostcode however many deliveries carry it.

    **Why it matters**: the Wave 5 guidance allows ZZ99 9ZZ when the learner's postcode is unknown, but for
    LSDPostcode "This should be updated to the correct postcode at the earliest opportunity": residency in
    the West Midlands, which funding depends on, cannot be shown from it.

    **Example**: Postcode `zz99 9zz`: warning on Postcode, value `zz99 9zz`.

    **Limits**: DelLocPostCode ZZ99 9ZZ is the guidance's code for distance learning and is not flagged;
    PostcodePrior is not checked.
    """
    people = ctx.learners
    rows = people[_is_unknown_postcode(people["postcode"])]
    first = ctx.findings(rows, field="Postcode", value=rows["postcode"], learner_level=True,
                         message="Postcode is the unknown postcode ZZ99 9ZZ; the learner's current postcode should "
                                 "be recorded as soon as it is known")
    aims = ctx.aims
    bad = aims[_is_unknown_postcode(aims["lsd_postcode"])].sort_values([*AIM_KEYS], kind="stable")
    if bad.empty:
        return first
    seqs = bad.groupby(LEARNER_KEYS, dropna=False, sort=False)["aim_seq_number"].agg(
        lambda s: ", ".join(str(x) for x in s))
    rows = bad.drop_duplicates(LEARNER_KEYS)
    aims_text = pd.Series(seqs.reindex(pd.MultiIndex.from_frame(rows[LEARNER_KEYS])).to_numpy(),
                          index=rows.index).astype("string")  # pandas 2.2 casts one-aim texts back to numbers
    second = ctx.findings(rows, field="LSDPostcode", value=rows["lsd_postcode"], learner_level=True,
                          message="LSDPostcode is the unknown postcode ZZ99 9ZZ (AimSeqNumber " + aims_text
                          + "); the learner's postcode at the start is needed to show West Midlands residency "
                          "and should be recorded as soon as it is known")
    frames = [f for f in (first, second) if len(f)]
    return pd.concat(frames, ignore_index=True)
