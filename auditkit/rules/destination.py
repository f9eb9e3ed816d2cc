"""Destination and progression rules of the WMCA Wave 5 catalogue (W5_DP_*).

Two places hold a leaver's destination: the ESFA LearnerDestinationandProgression record with its DPOutcomes
(ILR years up to 2023-24 only: the 2024-25 schema dropped it), and the WMCA destination code
(``WMCA<n>.<m>``) the provider writes in a PSM field of the bootcamp aim.
"""

from __future__ import annotations

import re

import pandas as pd

from auditkit.facts.context import RuleContext, fmt_date
from auditkit.reference.tables import destination_codes
from auditkit.reference.uln import usable_uln
from auditkit.reference.wave5 import destination_deadline
from auditkit.rules.registry import rule

#: The last ILR year whose schema has LearnerDestinationandProgression records.
LAST_DP_YEAR = 2023
#: A PSM text taken as a WMCA destination code (or an attempt at one): WMCA followed by a number.
CODE_LIKE = re.compile(r"^WMCA\s*\d", re.IGNORECASE)
#: The exact form of a WMCA destination code.
CODE_FORM = re.compile(r"^WMCA\d+\.\d+$")


def _has_dp_records(ilr_year: pd.Series) -> pd.Series:
    """True for ILR years up to 2023-24 (their schema still has destination records); unknown years: False."""
    first = pd.to_numeric(ilr_year.astype("string").str.slice(0, 4), errors="coerce")
    return (first <= LAST_DP_YEAR).fillna(False).astype(bool)


def _day(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def _outcomes(ctx: RuleContext) -> pd.DataFrame:
    """DPOutcomes in scope: ``return_id``, ``ukprn``, ``learn_ref_number``, ``uln``, ``out_type`` (upper case),
    ``out_code``."""
    out = ctx.data.dp_outcomes
    return out.assign(out_type=out["out_type"].astype("string").str.strip().str.upper())[
        ["return_id", "ukprn", "learn_ref_number", "uln", "out_type", "out_code"]]


def _matched(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of ``right`` for each row of ``left`` (column ``_i``), matched on ``keys`` + LearnRefNumber, or on
    ``keys`` + a usable ULN. Each side's right rows are distinct (learners sharing a ULN would otherwise repeat
    the same outcome once per learner of that ULN)."""
    by_lrn = left[["_i", *keys, "learn_ref_number"]].merge(right.drop(columns="uln").drop_duplicates(),
                                                           on=[*keys, "learn_ref_number"])
    by_uln = left[usable_uln(left["uln"])][["_i", *keys, "uln"]].merge(
        right[usable_uln(right["uln"])].drop(columns="learn_ref_number").drop_duplicates(), on=[*keys, "uln"])
    return pd.concat([by_lrn, by_uln], ignore_index=True)


def _or_none(value: object) -> str:
    """A DPOutcome's OutType or OutCode for a message: ``(none)`` when missing or unreadable."""
    return "(none)" if value is None or pd.isna(value) else str(value)


def _psm_codes(ctx: RuleContext, aims: pd.DataFrame) -> pd.DataFrame:
    """PSM texts of ``aims`` that look like WMCA destination codes: ``_i`` (index of ``aims``), ``occur``,
    ``code`` (stripped)."""
    keys = ["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]
    texts = aims[keys].reset_index(names="_i").merge(ctx.psm, on=keys)
    texts = texts.assign(code=texts["text"].astype("string").str.strip())
    looks = texts["code"].str.contains(CODE_LIKE, na=False)
    return texts[looks.astype(bool)][["_i", "occur", "code"]].sort_values(["_i", "occur"], kind="stable")


@rule("W5_DP_01", "warning", reads=["LearnActEndDate", "DPOutcome", "FilePreparationDate"], family="destination")
def dp_outcome_missing(ctx: RuleContext) -> pd.DataFrame:
    """A learner who left a bootcamp aim has no DPOutcome more than 2 months after leaving (ILR years up to
    2023-24).

    **What it checks**: in a return of an ILR year whose schema still has destination records (2023-24 and
    earlier), a learner with a bootcamp aim that has a LearnActEndDate has a LearnerDestinationandProgression
    record with at least one DPOutcome in the same return (matched by LearnRefNumber or ULN), once the return's
    FilePreparationDate is more than 2 calendar months after that LearnActEndDate (exactly 2 months passes).
    One finding per learner, naming the latest such end date.

    **Why it matters**: the Wave 5 guidance (Learner Destination and Progression tab) says an ESFA validation
    rule is raised when no destination and progression record is reported within 2 months of the learner
    leaving; leavers from April to July 2024 still need the ESFA record as well as the WMCA code.

    **Example**: a learner completed on 2024-07-26 and the R14 return prepared on 2024-10-07 has no destination
    record: warning on DPOutcome.

    **Limits**: 2024-25 and later returns have no destination records and are not checked (W5_DP_02 checks the
    WMCA code instead). A return without a FilePreparationDate or year is not checked.
    """
    boot = ctx.bootcamps
    boot = boot[_has_dp_records(boot["ilr_year"]) & boot["learn_act_end_date"].notna()
                & boot["file_preparation_date"].notna()]
    ended = _day(boot["learn_act_end_date"])
    overdue = _day(boot["file_preparation_date"]) > destination_deadline(ended)
    boot = boot[overdue.fillna(False).astype(bool)]
    left = boot.reset_index(names="_i")
    have = _matched(left, _outcomes(ctx), ["return_id", "ukprn"])
    rows = boot[~boot.index.isin(have["_i"])]
    rows = rows.sort_values("learn_act_end_date", kind="stable").drop_duplicates(
        ["return_id", "ukprn", "learn_ref_number"], keep="last")
    messages = [f"Left bootcamp aim {r['learn_aim_ref']} (AimSeqNumber {r['aim_seq_number']}) on "
                f"{fmt_date(r['learn_act_end_date'])}, and this {r['ilr_year']} return prepared on "
                f"{fmt_date(r['file_preparation_date'])}, more than 2 months later, has no DPOutcome for the "
                "learner; a destination and progression record is due within 2 months of leaving"
                for r in rows[["learn_aim_ref", "aim_seq_number", "learn_act_end_date", "ilr_year",
                               "file_preparation_date"]].to_dict("records")]
    return ctx.findings(rows, field="DPOutcome", value=None, learner_level=True,
                        message=pd.Series(messages, index=rows.index, dtype=object))


@rule("W5_DP_02", "warning", reads=["LearnActEndDate", "PSM"], family="destination")
def dp_code_missing(ctx: RuleContext) -> pd.DataFrame:
    """A bootcamp aim that has ended has no WMCA destination code (`WMCA<n>.<m>`) in its PSM fields.

    **What it checks**: a bootcamp aim with a LearnActEndDate (completed, withdrawn or on a break) has, in one of
    its four PSM fields, a WMCA destination code such as `WMCA1.3`.

    **Why it matters**: the Wave 5 guidance (Provider Specified information fields, Destination and Progression
    recording) makes the WMCA code mandatory once the learner completes or withdraws; from August 2024 it is the
    only destination data the funder receives.

    **Example**: a withdrawn bootcamp aim whose only PSM field reads `Contribution 10`: warning on PSM.

    **Limits**: any PSM text starting with `WMCA` and a digit counts as an attempt at a code, so a malformed or
    unknown code (`WMCA 1.3`, `wmca1.3`, `WMCA21.4`) is reported once, by W5_DP_03, not here too.
    """
    boot = ctx.bootcamps
    boot = boot[boot["learn_act_end_date"].notna()]
    coded = _psm_codes(ctx, boot)
    rows = boot[~boot.index.isin(coded["_i"])]
    texts = ctx.psm_texts(rows)
    messages = [f"Bootcamp aim {r['learn_aim_ref']} ended on {fmt_date(r['learn_act_end_date'])} (CompStatus "
                f"{'(none)' if pd.isna(r['comp_status']) else r['comp_status']}) but no PSM field holds a WMCA "
                f"destination code (found: {', '.join(map(str, texts[i])) if texts[i] else 'no PSM fields'}); "
                "expected a code such as WMCA1.3 from the WMCA destination table"
                for i, r in zip(rows.index, rows[["learn_aim_ref", "learn_act_end_date", "comp_status"]].to_dict(
                    "records"), strict=True)]
    values = pd.Series(["; ".join(map(str, t)) if t else None for t in texts], index=rows.index, dtype=object)
    return ctx.findings(rows, field="PSM", value=values, message=pd.Series(messages, index=rows.index, dtype=object))


@rule("W5_DP_03", "error", reads=["PSM", "DPOutcome"], family="destination")
def dp_code_invalid(ctx: RuleContext) -> pd.DataFrame:
    """A WMCA destination code that is not in the code table, or that contradicts the learner's DPOutcome type and
    code where one is recorded.

    **What it checks**: every PSM text of a bootcamp aim that starts with `WMCA` and a digit is exactly one of the
    codes of the WMCA destination table (`data/wmca-destination-codes.csv`), and, when the learner has
    DPOutcomes in the same return (matched by LearnRefNumber or ULN), one of them has the ESFA OutType and
    OutCode the code stands for (`WMCA1.3` is EMP 1). One finding per code.

    **Why it matters**: the Wave 5 guidance lists the only WMCA codes that may be used, each tied to one ESFA
    destination type and code; an unknown code cannot be reported, and a code that disagrees with the ESFA
    destination record makes the learner's outcome unreliable.

    **Example**: PSM B reads `WMCA1.3` (paid employment, 16+ hours) while the learner's DPOutcome is NPE 1 (not
    in paid employment, looking for work): error on PSM, value `WMCA1.3`.

    **Limits**: codes are compared exactly (`wmca1.3` and `WMCA 1.3` are not codes). With several DPOutcomes
    (the learner moved destinations), a code agreeing with any of them passes. Learners without a DPOutcome
    (all 2024-25 leavers) are only checked against the table. Milestone aims are not checked.
    """
    boot = ctx.bootcamps
    codes = _psm_codes(ctx, boot)
    table = destination_codes().set_index("wmca_code")
    known = codes["code"].isin(table.index)
    by_upper = {c.upper().replace(" ", ""): c for c in table.index}
    unknown = codes[~known]
    unknown_msg = [
        f"WMCA destination code {c!r} is not in the WMCA destination code table"
        + (f" (did you mean {by_upper[c.upper().replace(' ', '')]}?)" if c.upper().replace(" ", "") in by_upper else "")
        + "; expected a code such as WMCA1.3 written exactly as in the table"
        for c in unknown["code"]]
    unknown = unknown.assign(_msg=unknown_msg)

    found = codes[known]
    found = found.assign(_type=found["code"].map(table["esfa_out_type"]).astype("string"),
                         _code=found["code"].map(table["esfa_out_code"]).astype("Int64"))
    learners = boot.loc[found["_i"], ["return_id", "ukprn", "learn_ref_number", "uln"]].assign(
        _i=found["_i"].to_numpy()).drop_duplicates("_i")
    outs = _matched(learners, _outcomes(ctx), ["return_id", "ukprn"]).drop_duplicates(
        ["_i", "out_type", "out_code"])
    agree = found.merge(outs, on="_i", how="inner")
    same = (agree["out_type"] == agree["_type"]) & (agree["out_code"] == agree["_code"])
    agree = agree[same.fillna(False).astype(bool)]  # a missing (or unreadable) OutType or OutCode never agrees
    recorded = outs.sort_values(["_i", "out_type", "out_code"]).assign(
        _txt=lambda d: [f"{_or_none(t)} {_or_none(k)}" for t, k in zip(d["out_type"], d["out_code"], strict=True)]
    ).groupby("_i")["_txt"].agg(list)
    bad = found[found["_i"].isin(recorded.index) & ~found.set_index(["_i", "code"]).index.isin(
        agree.set_index(["_i", "code"]).index)]
    bad_msg = [
        f"WMCA destination code {c} stands for {t} {k} ({table.at[c, 'esfa_title']}), but the learner's DPOutcome "
        f"is {' or '.join(recorded[i])}; the WMCA code must agree with the ESFA destination type and code"
        for i, c, t, k in zip(bad["_i"], bad["code"], bad["_type"], bad["_code"], strict=True)]
    bad = bad.assign(_msg=bad_msg)

    hits = pd.concat([unknown[["_i", "occur", "code", "_msg"]], bad[["_i", "occur", "code", "_msg"]]])
    hits = hits.sort_values(["_i", "occur"], kind="stable")
    rows = boot.loc[hits["_i"]].reset_index(drop=True)
    return ctx.findings(rows, field="PSM", value=hits["code"].to_numpy(), message=hits["_msg"].to_numpy())
