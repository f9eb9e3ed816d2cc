"""The funding frames: one row per bootcamp aim and milestone, and the funding summary
(:mod:`auditkit.funding.milestones`)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pandera.pandas as pa

from auditkit.frames.fields import Field, Frame, Money
from auditkit.frames.keys import AIM_SEQ_NUMBER, BOOTCAMP_AIM, ILR_YEAR, LEARN_REF_NUMBER, RETURN_ID, UKPRN, ULN
from auditkit.reference.wave5 import CONTRIBUTION_PERCENT, LEARNER_TYPES, MILESTONES, SHARE_PERCENT

F = Field

#: Columns of the milestone frame: product.md's columns first, then the facts they come from.
MILESTONE_FIELDS: tuple[Field, ...] = (
    replace(UKPRN, description="Provider of the bootcamp aim."),
    replace(LEARN_REF_NUMBER, description="Learner's reference at the provider (of the bootcamp aim's return)."),
    ULN,
    BOOTCAMP_AIM,
    F("learner_type", "", "str", "independent, co-funded or self-employed (auditkit.facts.learner_types)."),
    F("milestone", "", "str", "M1 (commencement, 40%), M2 (completion and interview, 30%) or M3 (outcome, 30%)."),
    F("claimed", "", "bool", "M1: the bootcamp aim is recorded; M2/M3: an M2/M3 aim claims it (see the module)."),
    F("earned", "", "bool", "The milestone's conditions are met and no no-pay finding blocks it."),
    F("milestone_date", "", "date", "M1: LearnStartDate + 14 days; M2/M3: the claiming aim's LearnStartDate; "
      "NaT when not claimed."),
    F("period", "", "str", "Collection period (R01-R12) of the ILR year the milestone date falls in."),
    Money("amount_due", "", "decimal", "What is earned, in pounds: share x price x (1 - contribution) when earned, "
      "else 0 (NA when the price is unknown)."),
    F("blocked_by", "", "str", "Comma-separated ids of the no-pay findings that block it, then pseudo-reasons "
      "(not-yet-14-days, ...); empty when none."),
    replace(ILR_YEAR, description="ILR year of period (the year the milestone date falls in)."),
    replace(RETURN_ID, description="Return of the bootcamp aim."),
    replace(AIM_SEQ_NUMBER, description="AimSeqNumber of the bootcamp aim."),
    F("milestone_aim_seq", "", "int", "AimSeqNumber of the claiming M2/M3 aim (NA for M1 and when not claimed)."),
    F("milestone_return_id", "", "str", "Return of the claiming M2/M3 aim (NA for M1 and when not claimed)."),
    F("learn_start_date", "", "date", "Bootcamp LearnStartDate."),
    F("learn_plan_end_date", "", "date", "Bootcamp LearnPlanEndDate."),
    F("learn_act_end_date", "", "date", "Bootcamp LearnActEndDate."),
    F("comp_status", "", "int", "Bootcamp CompStatus."),
    F("outcome", "", "int", "Bootcamp Outcome."),
    Money("price", "", "decimal", "Contract price of the bootcamp aim for this provider, in pounds (NA when unknown)."),
    F("contribution", "", "decimal", "Employer contribution recorded on the bootcamp aim: 0, 0.1 or 0.3."),
    F("share", "", "decimal", "Share of the price paid at this milestone: 0.4, 0.3 or 0.3."),
    Money("amount_claimed", "", "decimal", "share x price x (1 - contribution) when claimed, else 0, in pounds."),
    Money("at_risk", "", "decimal", "amount_claimed - amount_due, in pounds."),
    F("evidence_blocked_by", "", "str", "Comma-separated ids of the no-pay evidence findings (EV_*) on this "
      "milestone's claim; empty when none. They do not change earned: see at_risk_evidence."),
    Money("at_risk_evidence", "", "decimal", "The part of amount_due whose evidence has a no-pay finding "
      "(evidence_blocked_by): earned on the ILR, at risk until the evidence is produced; in pounds."),
)
#: Columns of :func:`funding_summary` (``return_id`` only with ``by_return=True``).
SUMMARY_FIELDS: tuple[Field, ...] = (
    UKPRN,
    BOOTCAMP_AIM,
    F("milestone", "", "str", "M1, M2 or M3."),
    F("aims", "", "int", "Bootcamp aims (rows of the milestone frame)."),
    F("claimed", "", "int", "Milestones claimed."),
    F("earned", "", "int", "Milestones earned."),
    F("unpriced", "", "int", "Claimed milestones without a contract price (left out of the amounts)."),
    Money("amount_claimed", "", "decimal", "Pounds claimed, exact to the penny."),
    Money("amount_due", "", "decimal", "Pounds earned."),
    Money("at_risk", "", "decimal", "Pounds claimed but not earned (amount_claimed - amount_due)."),
    Money("not_yet_due", "", "decimal", "The part of at_risk that is only not due yet (M1 blocked by nothing but "
      "not-yet-14-days)."),
    Money("at_risk_evidence", "", "decimal", "Pounds earned on the ILR whose evidence has a no-pay finding (EV_*), "
      "beside at_risk (the pounds the ILR rules put at risk)."),
)

_MONEY = ("amount_due", "price", "amount_claimed", "at_risk", "at_risk_evidence")
_CHECKS: dict[str, list[pa.Check]] = {
    "milestone": [pa.Check.isin(MILESTONES)],
    "learner_type": [pa.Check.isin(LEARNER_TYPES)],
    "period": [pa.Check.str_matches(r"^R(0[1-9]|1[0-4])$")],
    "share": [pa.Check.isin(sorted({p / 100 for p in SHARE_PERCENT.values()}))],
    "contribution": [pa.Check.isin([0.0, *sorted(p / 100 for p in CONTRIBUTION_PERCENT.values())])],
    **{c: [pa.Check.ge(0)] for c in _MONEY},
}
_NOT_NULL = frozenset({"ukprn", "learn_ref_number", "bootcamp_aim", "learner_type", "milestone", "claimed", "earned",
             "blocked_by", "return_id", "aim_seq_number", "contribution", "share"})


def _pence(pounds: pd.Series) -> pd.Series:
    return (pd.to_numeric(pounds, errors="coerce").astype("Float64") * 100).round().astype("Int64")


def _claimed_amounts(df: pd.DataFrame) -> pd.Series:
    unclaimed = ~df["claimed"].astype(bool)
    return ~unclaimed | (df["amount_claimed"].fillna(0) == 0)


def _earned_reasons(df: pd.DataFrame) -> pd.Series:
    earned = df["earned"].astype(bool)
    return ~earned | (df["claimed"].astype(bool) & (df["blocked_by"] == ""))


def _risk(df: pd.DataFrame) -> pd.Series:
    diff = (_pence(df["amount_claimed"]) - _pence(df["amount_due"])) == _pence(df["at_risk"])
    return diff.fillna(df["price"].isna()).astype(bool)




MILESTONE_FRAME = Frame(
    "milestones", "One row per bootcamp aim and milestone (M1, M2, M3): claimed, earned and the money.",
    MILESTONE_FIELDS, checks=_CHECKS, not_null=_NOT_NULL,
    frame_checks=((_claimed_amounts, "amount_claimed is 0 when not claimed"),
                  (_earned_reasons, "earned milestones are claimed and blocked by nothing"),
                  (_risk, "at_risk = amount_claimed - amount_due, to the penny")),
    given_by="`auditkit.funding.milestones.milestones(ctx, findings)` (`auditkit milestones`): one row per bootcamp "
    "aim and milestone (M1, M2, M3); the rules for claimed, earned and `blocked_by` are in the module's docstring.")
MILESTONE_SUMMARY = Frame(
    "milestone_summary", "Funding claimed, due and at risk per provider, bootcamp aim and milestone.",
    SUMMARY_FIELDS, checks=_CHECKS, not_null=_NOT_NULL,
    given_by="`auditkit.funding.milestones.funding_summary(milestones)` (`auditkit milestones --summary`): one row "
    "per provider, bootcamp aim and milestone, pounds exact to the penny.")
#: :func:`~auditkit.funding.milestones.funding_summary` with ``by_return=True``: also split by the bootcamp's return.
MILESTONE_SUMMARY_BY_RETURN = MILESTONE_SUMMARY.with_fields(
    (SUMMARY_FIELDS[0], replace(RETURN_ID, description="Return of the bootcamp aims."), *SUMMARY_FIELDS[1:]),
    name="milestone_summary_by_return")
