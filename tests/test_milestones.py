"""Milestone payments and funding at risk (``auditkit.funding.milestones``, ``auditkit milestones``).

The cases start from ``tests/rules/case.py``: learner L1 on bootcamp Z0009501 at provider 10000001, started
2024-05-01, planned to end 2024-07-24, price 3000.00 in the contract. Every money figure below is worked out by
hand in a comment. Regenerate the golden files after a deliberate change with
``AUDITKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_milestones.py`` and review the diff of
``tests/golden/milestones/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit import read_ilr
from auditkit.cli import main
from auditkit.frames.funding import MILESTONE_FRAME, MILESTONE_SUMMARY
from auditkit.funding.milestones import (
    BLOCK_REASONS,
    LEFT_BEFORE_DAY_14,
    NOT_YET_14_DAYS,
    contribution_rate,
    funding_summary,
    milestone_pence,
    milestone_period,
    milestones,
    provider_totals,
    to_csv,
)
from auditkit.readers.contracts import Contracts, read_contracts
from auditkit.reference.uln import check_digit
from auditkit.rules import RuleContext, get_rules, run_rules
from tests.rules.case import write_case

D = dt.date
ROOT = Path(__file__).resolve().parents[1]

COMPLETED = {"bootcamp": {"completed": True}, "prepared": D(2024, 10, 7)}  # R14 of 2023-24
FFI2 = [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "2"},
        {"LearnDelFAMType": "DAM", "LearnDelFAMCode": "023"}]


def on(day: dt.date) -> dict:
    """A milestone aim's three dates, all the same day."""
    return {"LearnStartDate": day, "LearnPlanEndDate": day, "LearnActEndDate": day}


def psm(*texts: str) -> list[dict]:
    return [{"ProvSpecDelMonOccur": "ABCD"[i], "ProvSpecDelMon": t} for i, t in enumerate(texts)]


def context(case: dict, folder: Path, all_returns: bool = False) -> RuleContext:
    write_case(case, folder)
    data = read_ilr(folder, progress=False)
    assert data.problems.empty, data.problems.to_string()
    contracts = folder / "contracts.toml"
    return RuleContext(data, read_contracts(contracts) if contracts.exists() else None, all_returns=all_returns)


def frame_of(case: dict, folder: Path, drop: tuple[str, ...] = (), all_returns: bool = False) -> pd.DataFrame:
    """The milestone frame of a case (rules ``drop`` left out of the findings), checked against its schema."""
    ctx = context(case, folder, all_returns)
    findings = run_rules(ctx)
    findings = findings[~findings["rule_id"].isin(drop)]
    out = milestones(ctx, findings)
    MILESTONE_FRAME.schema.validate(out, lazy=True)
    return out


def row(frame: pd.DataFrame, milestone: str, learner: str = "L1") -> pd.Series:
    rows = frame[(frame["milestone"] == milestone) & (frame["learn_ref_number"] == learner)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def money(value: object) -> Decimal:
    """A pounds value as the exact decimal it prints as."""
    return Decimal(str(value))


# -- money -------------------------------------------------------------------------------------------------------

def test_milestone_pence_is_integer_arithmetic_rounded_half_up():
    # 0.3 x 3000 x (1 - 0.3) = 630.00
    assert milestone_pence(3000, 30, 30) == 63000
    # 0.4 x 3333.33 = 1333.332 -> 1333.33
    assert milestone_pence(3333.33, 40, 0) == 133333
    # 0.3 x 1000.50 x 0.7 = 210.105 exactly: half a penny rounds up to 210.11 (float arithmetic gives 210.10499...)
    assert milestone_pence(1000.50, 30, 30) == 21011
    assert round(1000.50 * 0.3 * 0.7, 2) == 210.1  # what float rounding would have paid
    # 0.4 x 3333.33 x 0.9 = 1199.9988 -> 1200.00
    assert milestone_pence(3333.33, 40, 10) == 120000
    assert milestone_pence(None, 40, 0) is None


def test_milestone_period():
    assert milestone_period(D(2024, 5, 15)) == ("2023-24", "R10")
    assert milestone_period(D(2024, 8, 1)) == ("2024-25", "R01")
    assert milestone_period(D(2025, 7, 31)) == ("2024-25", "R12")
    assert milestone_period(pd.NaT) == (None, None)


# -- Milestone 1 ---------------------------------------------------------------------------------------------------

def test_m1_earned_fourteen_days_after_the_start(tmp_path):
    frame = frame_of({}, tmp_path)  # prepared 2024-06-05, 35 days after the start
    assert list(frame["milestone"]) == ["M1", "M2", "M3"]
    m1 = row(frame, "M1")
    # M1 = 0.4 x 3000 x (1 - 0) = 1200.00, due 2024-05-01 + 14 days = 2024-05-15: R10 (May) of 2023-24
    assert m1["claimed"] and m1["earned"] and m1["blocked_by"] == ""
    assert m1["milestone_date"] == pd.Timestamp("2024-05-15") and (m1["ilr_year"], m1["period"]) == ("2023-24", "R10")
    assert (money(m1["amount_due"]), money(m1["amount_claimed"]), money(m1["at_risk"])) == (1200, 1200, 0)
    assert (m1["learner_type"], m1["share"], m1["contribution"], m1["price"]) == ("independent", 0.4, 0.0, 3000.0)
    for later in ("M2", "M3"):  # not claimed, and nothing would block them
        r = row(frame, later)
        assert not r["claimed"] and not r["earned"] and r["blocked_by"] == "" and pd.isna(r["milestone_date"])
        assert (r["amount_due"], r["amount_claimed"], r["at_risk"]) == (0, 0, 0)


def test_m1_on_day_14_exactly_is_earned_and_day_13_is_not_yet(tmp_path):
    # prepared on 2024-05-15 = 2024-05-01 + 14 days: 14 days have passed
    m1 = row(frame_of({"prepared": D(2024, 5, 15)}, tmp_path / "a"), "M1")
    assert m1["earned"] and money(m1["amount_due"]) == Decimal("1200.00")
    # prepared on 2024-05-14 (day 13): claimed (the aim is recorded), not earned, 1200.00 at risk (not yet due)
    frame = frame_of({"prepared": D(2024, 5, 14)}, tmp_path / "b")
    m1 = row(frame, "M1")
    assert m1["claimed"] and not m1["earned"] and m1["blocked_by"] == NOT_YET_14_DAYS
    assert (money(m1["amount_due"]), money(m1["at_risk"])) == (0, 1200)
    summary = funding_summary(frame)
    assert money(summary.loc[summary["milestone"] == "M1", "not_yet_due"].item()) == 1200


def test_m1_left_on_day_13_is_not_earned_left_on_day_14_is(tmp_path):
    left = {"CompStatus": 3, "Outcome": 3, "WithdrawReason": 40}
    # LearnActEndDate 2024-05-14 = start + 13 days: left before day 14
    m1 = row(frame_of({"bootcamp": {**left, "LearnActEndDate": D(2024, 5, 14)}}, tmp_path / "a"), "M1")
    assert not m1["earned"] and m1["blocked_by"] == LEFT_BEFORE_DAY_14 and money(m1["at_risk"]) == 1200
    # LearnActEndDate 2024-05-15 = start + 14 days: still on the bootcamp on day 14
    m1 = row(frame_of({"bootcamp": {**left, "LearnActEndDate": D(2024, 5, 15)}}, tmp_path / "b"), "M1")
    assert m1["earned"] and m1["blocked_by"] == ""


def test_m1_temporarily_withdrawn(tmp_path):
    m1 = row(frame_of({"bootcamp": {"CompStatus": 6}}, tmp_path / "a"), "M1")
    assert not m1["earned"] and m1["blocked_by"] == "W5_COMP_01"
    # without the rule's finding the condition still holds, as a pseudo-reason
    m1 = row(frame_of({"bootcamp": {"CompStatus": 6}}, tmp_path / "b", drop=("W5_COMP_01",)), "M1")
    assert not m1["earned"] and m1["blocked_by"] == "temporarily-withdrawn"


def test_m1_only_rule_blocks_m1_not_the_bootcamps_m2(tmp_path):
    # L2 has the same ULN as L1 and a later bootcamp: its M1 is a second Milestone 1 (W5_M1_01), but its M2 is
    # the ULN's only M2 and is earned: 0.3 x 3000 = 900.00
    case = {**COMPLETED, "other_learners": [
        {"learner": {"LearnRefNumber": "L2"}, "m2": on(D(2024, 7, 30)),
         "bootcamp": {"completed": True, "LearnStartDate": D(2024, 5, 8)}}]}
    frame = frame_of(case, tmp_path)
    assert row(frame, "M1", "L1")["earned"]
    m1 = row(frame, "M1", "L2")
    assert not m1["earned"] and m1["blocked_by"] == "W5_M1_01" and money(m1["at_risk"]) == 1200
    m2 = row(frame, "M2", "L2")
    assert m2["earned"] and money(m2["amount_due"]) == 900
    assert row(frame, "M3", "L2")["blocked_by"] == ""


# -- Milestone 2 ---------------------------------------------------------------------------------------------------

def test_m2_earned_with_arithmetic(tmp_path):
    frame = frame_of({**COMPLETED, "m2": {}}, tmp_path)  # M2 aim dated 2024-07-31 (bootcamp end + 7 days)
    m2 = row(frame, "M2")
    # M2 = 0.3 x 3000 x (1 - 0) = 900.00, dated 2024-07-31: R12 (July) of 2023-24
    assert m2["claimed"] and m2["earned"] and money(m2["amount_due"]) == 900
    assert m2["milestone_date"] == pd.Timestamp("2024-07-31") and m2["period"] == "R12"
    assert m2["milestone_aim_seq"] == 2 and m2["milestone_return_id"] == m2["return_id"]


def test_m2_co_funded_thirty_percent(tmp_path):
    case = {**COMPLETED, "m2": {}, "bootcamp": {
        "completed": True, "LearningDeliveryFAM": FFI2,
        "ProviderSpecDeliveryMonitoring": psm("WMCA1.3", "Contribution 30")}}
    frame = frame_of(case, tmp_path)
    m1, m2 = row(frame, "M1"), row(frame, "M2")
    assert m2["learner_type"] == "co-funded" and m2["contribution"] == 0.3
    # M1 = 0.4 x 3000 x (1 - 0.3) = 840.00; M2 = 0.3 x 3000 x (1 - 0.3) = 630.00
    assert money(m1["amount_due"]) == Decimal("840.00")
    assert money(m2["amount_due"]) == Decimal("630.00") and money(m2["amount_claimed"]) == Decimal("630.00")


def test_m2_at_exactly_80_percent_is_earned_one_day_less_is_not(tmp_path):
    # planned 2024-05-01 to 2024-08-04 = 95 days; 80% of 95 = 76 days -> 2024-07-16
    bootcamp = {"completed": True, "LearnPlanEndDate": D(2024, 8, 4)}
    exact = frame_of({**COMPLETED, "m2": {}, "bootcamp": {**bootcamp, "LearnActEndDate": D(2024, 7, 16)}},
                     tmp_path / "a")
    # 5 x 76 = 380 >= 4 x 95 = 380: earned, 900.00
    assert row(exact, "M2")["earned"] and money(row(exact, "M2")["amount_due"]) == 900
    # ended 2024-07-15 = 75 days: 5 x 75 = 375 < 380
    short = frame_of({**COMPLETED, "m2": {}, "bootcamp": {**bootcamp, "LearnActEndDate": D(2024, 7, 15)}},
                     tmp_path / "b")
    m2 = row(short, "M2")
    assert not m2["earned"] and m2["blocked_by"] == "W5_M2_04" and money(m2["at_risk"]) == 900
    short = frame_of({**COMPLETED, "m2": {}, "bootcamp": {**bootcamp, "LearnActEndDate": D(2024, 7, 15)}},
                     tmp_path / "c", drop=("W5_M2_04",))
    assert row(short, "M2")["blocked_by"] == "under-80-percent"


def test_m2_needs_the_bootcamp_completed_and_achieved(tmp_path):
    withdrawn = {"CompStatus": 3, "Outcome": 3, "WithdrawReason": 40, "LearnActEndDate": D(2024, 7, 20)}
    frame = frame_of({**COMPLETED, "bootcamp": withdrawn, "m2": on(D(2024, 7, 25))}, tmp_path / "a")
    m2 = row(frame, "M2")
    assert m2["claimed"] and not m2["earned"] and m2["blocked_by"] == "W5_M2_03"
    assert row(frame, "M1")["earned"]  # withdrew after day 14: M1 stands
    frame = frame_of({**COMPLETED, "bootcamp": withdrawn, "m2": on(D(2024, 7, 25))}, tmp_path / "b",
                     drop=("W5_M2_03",))
    assert row(frame, "M2")["blocked_by"] == "bootcamp-not-completed"


def test_m2_naming_no_bootcamp_of_the_learner_is_a_claim_at_risk(tmp_path):
    case = {**COMPLETED, "m2": {"ProviderSpecDeliveryMonitoring": psm("Z0009510")}}
    m2 = row(frame_of(case, tmp_path / "a"), "M2")
    # claimed against L1's bootcamp, never earned: 0.3 x 3000 = 900.00 at risk
    assert m2["claimed"] and not m2["earned"] and m2["blocked_by"] == "W5_M2_02" and money(m2["at_risk"]) == 900
    m2 = row(frame_of(case, tmp_path / "b", drop=("W5_M2_02",)), "M2")
    assert m2["blocked_by"] == "names-no-bootcamp"


# -- Milestone 3 ---------------------------------------------------------------------------------------------------

def _across_years(m3_day: dt.date, m2: bool = True) -> dict:
    """Bootcamp (ended 2024-07-24) and M2 in the 2023-24 return; the M3 only in a 2024-25 return."""
    case = {**COMPLETED, "extra_returns": [{"ukprn": 10000001, "year": "2024-25", "prepared": D(2025, 4, 4),
                                             "learners": [{"no_bootcamp": True, "m3": on(m3_day)}]}]}
    if m2:
        case["m2"] = {}
    return case


def test_m3_across_ilr_years_at_exactly_six_months(tmp_path):
    # bootcamp ended 2024-07-24; 2024-07-24 + 6 calendar months = 2025-01-24: exactly 6 months is in time
    frame = frame_of(_across_years(D(2025, 1, 24)), tmp_path)
    assert len(frame) == 3  # one bootcamp aim
    m3 = row(frame, "M3")
    # M3 = 0.3 x 3000 x (1 - 0) = 900.00, dated 2025-01-24: R06 (January) of 2024-25
    assert m3["claimed"] and m3["earned"] and money(m3["amount_due"]) == 900
    assert (m3["ilr_year"], m3["period"]) == ("2024-25", "R06")
    assert m3["return_id"].startswith("ILR-10000001-2324") and m3["milestone_return_id"].startswith("ILR-10000001-2425")
    total = funding_summary(frame)
    # claimed = earned = 1200.00 + 900.00 + 900.00 = 3000.00 = the price
    assert money(total["amount_due"].sum()) == 3000 and money(total["at_risk"].sum()) == 0


def test_m3_six_months_and_one_day_is_late(tmp_path):
    m3 = row(frame_of(_across_years(D(2025, 1, 25)), tmp_path / "a"), "M3")
    assert not m3["earned"] and m3["blocked_by"] == "W5_M3_04" and money(m3["at_risk"]) == 900
    m3 = row(frame_of(_across_years(D(2025, 1, 25)), tmp_path / "b", drop=("W5_M3_04",)), "M3")
    assert m3["blocked_by"] == "after-6-months"


def test_m3_end_of_month_six_months(tmp_path):
    # a bootcamp ending 2024-08-31 allows an M3 up to 2025-02-28 (the last day of the sixth month)
    case = {**COMPLETED, "bootcamp": {"completed": True, "LearnPlanEndDate": D(2024, 8, 31)},
            "m2": on(D(2024, 9, 5)), "m3": on(D(2025, 2, 28)), "year": "2024-25", "prepared": D(2025, 4, 4)}
    assert row(frame_of(case, tmp_path / "a"), "M3")["earned"]
    case["m3"] = on(D(2025, 3, 1))
    assert row(frame_of(case, tmp_path / "b"), "M3")["blocked_by"] == "W5_M3_04"


def test_m3_needs_an_m2(tmp_path):
    m3 = row(frame_of(_across_years(D(2024, 12, 2), m2=False), tmp_path / "a"), "M3")
    assert not m3["earned"] and m3["blocked_by"] == "W5_M3_03"
    m3 = row(frame_of(_across_years(D(2024, 12, 2), m2=False), tmp_path / "b", drop=("W5_M3_03",)), "M3")
    assert m3["blocked_by"] == "no-m2"


def test_m3_needs_an_m2_claimed_not_earned(tmp_path):
    # the M2 aim's dates differ (W5_M2_01): the M2 is not earned, but it was returned, so the M3 can be earned
    case = _across_years(D(2024, 12, 2), m2=False)
    case["m2"] = {**on(D(2024, 7, 31)), "LearnPlanEndDate": D(2024, 8, 14)}
    frame = frame_of(case, tmp_path)
    assert row(frame, "M2")["blocked_by"] == "W5_M2_01"
    assert row(frame, "M3")["earned"]


def test_duplicate_m2_for_one_bootcamp_shows_once(tmp_path):
    # two M2 aims naming the bootcamp (2024-07-30 and 2024-07-31): the second is W5_M2_05 in the findings; the
    # row shows the earned one, and the duplicate adds no money (one row per bootcamp aim and milestone)
    case = {**COMPLETED, "m2": on(D(2024, 7, 30)),
            "deliveries": [{**_aim("Z0010211", 3, D(2024, 7, 31))}]}
    ctx = context(case, tmp_path)
    findings = run_rules(ctx)
    assert "W5_M2_05" in set(findings["rule_id"])
    frame = milestones(ctx, findings)
    m2 = row(frame, "M2")
    assert m2["earned"] and m2["milestone_aim_seq"] == 2 and money(m2["amount_claimed"]) == 900


def _aim(ref: str, seq: int, day: dt.date) -> dict:
    return {"LearnAimRef": ref, "AimType": 4, "AimSeqNumber": seq, **on(day), "FundModel": 35,
            "DelLocPostCode": "B1 1AA", "CompStatus": 2, "Outcome": 1,
            "LearningDeliveryFAM": [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"},
                                    {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"}],
            "ProviderSpecDeliveryMonitoring": psm("Z0009501")}


def test_bootcamp_in_both_ilr_years_is_one_aim(tmp_path):
    # started 2024-06-03, continuing in the 2023-24 R14 return; completed with an M2 in the 2024-25 return
    bootcamp = {"LearnStartDate": D(2024, 6, 3), "LearnPlanEndDate": D(2024, 8, 26)}
    case = {**COMPLETED, "bootcamp": bootcamp,
            "extra_returns": [{"ukprn": 10000001, "year": "2024-25", "prepared": D(2025, 4, 4),
                               "learners": [{"bootcamp": {**bootcamp, "completed": True}, "m2": on(D(2024, 9, 2))}]}]}
    frame = frame_of(case, tmp_path)
    assert len(frame) == 3 and frame["return_id"].str.startswith("ILR-10000001-2425").all()
    # M1 = 1200.00 (due 2024-06-17, R11 of 2023-24) + M2 = 900.00 (2024-09-02, R02 of 2024-25)
    assert row(frame, "M1")["period"] == "R11" and row(frame, "M2")["period"] == "R02"
    assert money(frame["amount_due"].sum()) == 2100
    # a no-pay finding on either year's copy of the bootcamp blocks it (here no DAM 023 in the 2023-24 return)
    no_dam = [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"}]
    case["bootcamp"] = {**bootcamp, "LearningDeliveryFAM": no_dam}
    frame = frame_of(case, tmp_path / "no-dam")
    assert list(frame["blocked_by"]) == ["W5_DAM_01"] * 3 and not frame["earned"].any()


def test_learner_without_a_bootcamp_has_no_rows(tmp_path):
    frame = frame_of({"no_bootcamp": True, "m2": {}}, tmp_path)
    assert frame.empty and list(frame.columns) == MILESTONE_FRAME.columns
    assert funding_summary(frame).empty and provider_totals(frame).empty


# -- no-pay rules ------------------------------------------------------------------------------------------------

def test_bootcamp_no_pay_rule_blocks_every_milestone(tmp_path):
    no_dam = [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"}]
    frame = frame_of({**COMPLETED, "m2": {}, "bootcamp": {"completed": True, "LearningDeliveryFAM": no_dam}},
                     tmp_path)
    assert list(frame["blocked_by"]) == ["W5_DAM_01"] * 3
    assert list(frame["claimed"]) == [True, True, False] and not frame["earned"].any()
    # at risk: 1200.00 (M1) + 900.00 (M2) = 2100.00; the unclaimed M3 is not at risk
    assert money(frame["at_risk"].sum()) == 2100


def test_learner_no_pay_rule_blocks_every_milestone(tmp_path):
    frame = frame_of({**COMPLETED, "m2": {}, "learner": {"ULN": "9999999999"}}, tmp_path)
    assert list(frame["blocked_by"]) == ["W5_ULN_01"] * 3 and not frame["earned"].any()


def test_errors_and_warnings_do_not_block(tmp_path):
    # an M2 dated after the return's preparation date is W5_DATE_02, an error: the M2 is still earned
    frame = frame_of({**COMPLETED, "m2": on(D(2024, 7, 31)), "prepared": D(2024, 7, 30)}, tmp_path)
    ctx_findings = run_rules(context({**COMPLETED, "m2": on(D(2024, 7, 31)), "prepared": D(2024, 7, 30)},
                                     tmp_path / "again"))
    assert "W5_DATE_02" in set(ctx_findings["rule_id"])
    assert row(frame, "M2")["earned"]


def test_no_contract_means_no_price(tmp_path):
    frame = frame_of({"contract": None}, tmp_path)
    m1 = row(frame, "M1")
    assert m1["earned"] and pd.isna(m1["price"]) and pd.isna(m1["amount_due"]) and pd.isna(m1["at_risk"])
    summary = funding_summary(frame)
    m1s = summary[summary["milestone"] == "M1"].iloc[0]
    assert (m1s["claimed"], m1s["earned"], m1s["unpriced"], m1s["amount_claimed"]) == (1, 1, 1, 0)


# -- co-funding ----------------------------------------------------------------------------------------------------

def test_contribution_rate_reads_the_exact_texts(tmp_path):
    texts = {"L2": "Contribution 10", "L3": "Contribution 30", "L4": "contribution 30", "L5": "Contribution 30%",
             "L6": " Contribution 10"}
    case = {"other_learners": [{"learner": {"LearnRefNumber": lrn},
                                "bootcamp": {"LearningDeliveryFAM": FFI2, "ProviderSpecDeliveryMonitoring": psm(t)}}
                               for lrn, t in texts.items()]}
    ctx = context(case, tmp_path)
    rates = dict(zip(ctx.bootcamps["learn_ref_number"], contribution_rate(ctx), strict=True))
    # the reader trims the ends, so " Contribution 10" reads as "Contribution 10"
    assert rates == {"L1": 0.0, "L2": 0.1, "L3": 0.3, "L4": 0.0, "L5": 0.0, "L6": 0.1}


def test_contribution_is_the_bootcamps_not_the_milestone_aims(tmp_path):
    # the M2 aim's own PSM says Contribution 10, the bootcamp's says Contribution 30: the bootcamp's counts
    case = {**COMPLETED, "m2": {"ProviderSpecDeliveryMonitoring": psm("Z0009501", "Contribution 10")},
            "bootcamp": {"completed": True, "LearningDeliveryFAM": FFI2,
                         "ProviderSpecDeliveryMonitoring": psm("WMCA1.3", "Contribution 30")}}
    m2 = row(frame_of(case, tmp_path), "M2")
    # 0.3 x 3000 x (1 - 0.3) = 630.00
    assert m2["contribution"] == 0.3 and money(m2["amount_due"]) == Decimal("630.00")


# -- sums exact to the penny ---------------------------------------------------------------------------------------

def test_summary_sums_are_exact_to_the_penny(tmp_path):
    co10 = {"LearningDeliveryFAM": FFI2, "ProviderSpecDeliveryMonitoring": psm("Contribution 10")}
    co30 = {"LearningDeliveryFAM": FFI2, "ProviderSpecDeliveryMonitoring": psm("Contribution 30")}
    others = [{"learner": {"LearnRefNumber": f"L{i}", "ULN": _uln(i)}} for i in range(2, 11)]
    others += [{"learner": {"LearnRefNumber": "L11", "ULN": _uln(11)}, "bootcamp": co10},
               {"learner": {"LearnRefNumber": "L12", "ULN": _uln(12)}, "bootcamp": co30}]
    frame = frame_of({"contract_aim": {"price": 3333.33}, "other_learners": others}, tmp_path)
    summary = funding_summary(frame)
    MILESTONE_SUMMARY.schema.validate(summary)
    m1 = summary[summary["milestone"] == "M1"].iloc[0]
    # ten independent learners: 0.4 x 3333.33 = 1333.332 -> 1333.33 each, x 10 = 13333.30
    # Contribution 10: 0.4 x 3333.33 x 0.9 = 1199.9988 -> 1200.00; Contribution 30: 0.4 x 3333.33 x 0.7 = 933.3324
    # -> 933.33; total 13333.30 + 1200.00 + 933.33 = 15466.63
    assert (m1["claimed"], m1["earned"]) == (12, 12)
    assert money(m1["amount_due"]) == Decimal("15466.63") and money(m1["amount_claimed"]) == Decimal("15466.63")
    assert money(m1["at_risk"]) == 0
    totals = provider_totals(frame)
    assert money(totals["amount_due"].item()) == Decimal("15466.63")


def _uln(n: int) -> str:
    """A valid ULN of its own for learner n."""
    for k in range(100):
        nine = str(100_000_000 + n * 1_000 + k)
        digit = check_digit(nine)
        if digit is not None:
            return nine + str(digit)
    raise AssertionError("no ULN")


# -- properties ------------------------------------------------------------------------------------------------

def check_invariants(frame: pd.DataFrame) -> None:
    """What must hold for any milestone frame."""
    MILESTONE_FRAME.schema.validate(frame, lazy=True)
    assert (frame.groupby(["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]).size() == 3).all()
    priced = frame[frame["price"].notna()]
    pence = lambda s: (s.astype("Float64") * 100).round().astype("Int64")  # noqa: E731
    price = pence(priced["price"])
    share_of_price = (price * (priced["share"] * 100).round().astype("Int64"))  # pence x 100
    due, claimed, risk = pence(priced["amount_due"]), pence(priced["amount_claimed"]), pence(priced["at_risk"])
    assert (due >= 0).all() and (risk >= 0).all()
    assert (due * 100 <= share_of_price + 50).all()  # within half a penny of share x price (rounding)
    assert (claimed * 100 <= share_of_price + 50).all() and (share_of_price <= price * 100).all()
    assert (due <= claimed).all() and (risk == claimed - due).all()
    earned, was_claimed = frame["earned"].astype(bool), frame["claimed"].astype(bool)
    assert not (earned & ~was_claimed).any()
    assert (frame.loc[frame["milestone"] == "M1", "claimed"]).all()  # M1: the recorded aim is its claim
    blocked = frame["blocked_by"] != ""
    assert (was_claimed & ~earned).eq(was_claimed & blocked).all()
    m1 = frame[(frame["milestone"] == "M1") & earned]
    due_day = m1["learn_start_date"] + pd.Timedelta(days=14)
    assert ((m1["learn_act_end_date"].isna()) | (m1["learn_act_end_date"] >= due_day)).all()
    assert (m1["comp_status"] != 6).all()
    m3 = frame[(frame["milestone"] == "M3") & earned]
    m2_claimed = frame[(frame["milestone"] == "M2") & was_claimed]
    keys = ["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]
    assert pd.MultiIndex.from_frame(m3[keys]).isin(pd.MultiIndex.from_frame(m2_claimed[keys])).all()
    reasons = {r for text in frame["blocked_by"] for r in text.split(",") if r and not r.startswith(("W5_", "EV_"))}
    assert reasons <= set(BLOCK_REASONS)


CASES = st.fixed_dictionaries({
    "plan_days": st.integers(15, 120),
    "ended": st.one_of(st.none(), st.integers(0, 130)),
    "comp": st.sampled_from([1, 2, 3, 6]),
    "prepared": st.integers(0, 170),
    "contribution": st.sampled_from([None, "Contribution 10", "Contribution 30", "contribution 30"]),
    "price_pence": st.integers(0, 1_000_000),
    "m2": st.one_of(st.none(), st.integers(0, 40)),
    "m3": st.one_of(st.none(), st.integers(0, 240)),
})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_property_generated_cases(params):
    start = D(2024, 5, 1)
    bootcamp: dict = {"LearnPlanEndDate": start + dt.timedelta(days=params["plan_days"]), "CompStatus": params["comp"]}
    if params["ended"] is not None:
        bootcamp.update({"LearnActEndDate": start + dt.timedelta(days=params["ended"]),
                         "Outcome": 1 if params["comp"] == 2 else 3})
    if params["contribution"]:
        bootcamp.update({"LearningDeliveryFAM": FFI2, "ProviderSpecDeliveryMonitoring": psm(params["contribution"])})
    end = bootcamp.get("LearnActEndDate", bootcamp["LearnPlanEndDate"])
    case: dict = {"bootcamp": bootcamp, "prepared": start + dt.timedelta(days=params["prepared"]),
                  "contract_aim": {"price": params["price_pence"] / 100}}
    if params["m2"] is not None:
        case["m2"] = on(end + dt.timedelta(days=params["m2"]))
        if params["m3"] is not None:
            case["m3"] = on(end + dt.timedelta(days=params["m2"] + params["m3"]))
    with tempfile.TemporaryDirectory() as folder:
        write_case(case, Path(folder))
        data = read_ilr(folder, progress=False)
        ctx = RuleContext(data, read_contracts(Path(folder) / "contracts.toml"))
        frame = milestones(ctx, run_rules(ctx))
    check_invariants(frame)
    m1 = frame[frame["milestone"] == "M1"].iloc[0]
    if m1["earned"]:
        assert case["prepared"] >= start + dt.timedelta(days=14)
    # money of an earned milestone: share x price x (1 - contribution), rounded half up, to the penny
    for r in frame[frame["earned"]].itertuples():
        exact = Decimal(params["price_pence"]) / 100 * Decimal(str(r.share)) * (1 - Decimal(str(r.contribution)))
        assert money(r.amount_due) == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@pytest.fixture(scope="module")
def samples(samples_case):
    """The samples' ILR returns and contracts without their evidence (the milestones as the ILR alone earns them)."""
    ctx = RuleContext(samples_case.loaded, samples_case.contracts)
    findings = run_rules(ctx)
    return ctx, findings, milestones(ctx, findings)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drop=st.sets(st.sampled_from([r.id for r in get_rules() if r.severity == "no-pay"])),
       prices=st.lists(st.integers(0, 900_000), min_size=9, max_size=9))
def test_property_samples_perturbed(samples, drop, prices):
    """The samples with some rules' findings left out and other prices: the invariants hold, and leaving
    findings out never un-earns a milestone."""
    ctx, findings, full = samples
    aims = ctx.contracts.aims.assign(price=pd.Series([p / 100 for p in prices], dtype="Float64"))
    changed = RuleContext(ctx.all, Contracts(ctx.contracts.contracts, aims))
    frame = milestones(changed, findings[~findings["rule_id"].isin(drop)])
    check_invariants(frame)
    keys = ["return_id", "learn_ref_number", "aim_seq_number", "milestone"]
    before = full.set_index(keys)["earned"]
    after = frame.set_index(keys)["earned"].reindex(before.index)
    assert not (before & ~after).any()
    if not drop:
        assert frame["blocked_by"].equals(full["blocked_by"])


# -- the samples ---------------------------------------------------------------------------------------------

def test_samples_frame_validates(samples):
    _, _, frame = samples
    check_invariants(frame)
    assert list(frame.columns) == MILESTONE_FRAME.columns
    assert len(frame) == 3 * 443  # M1-M3 of every learner (samples/PLANTED.md: 443 learners)


def test_samples_milestones_golden(samples, golden):
    golden("milestones/samples_milestones.csv", to_csv(samples[2]))


def test_samples_summary_golden(samples, golden):
    summary = funding_summary(samples[2])
    MILESTONE_SUMMARY.schema.validate(summary)
    assert list(summary.columns) == MILESTONE_SUMMARY.columns
    golden("milestones/samples_summary.csv", to_csv(summary))


def _planted() -> tuple[set[tuple[int, str]], list[dict]]:
    """Learners with a planted rule or evidence problem (the rest are clean), and the planted rows."""
    with open(ROOT / "samples" / "planted.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    unclean = {(int(r["ukprn"]), r["learn_ref_number"]) for r in rows if r["kind"] in ("rule", "evidence")}
    return unclean, rows


def test_samples_clean_learners_lose_nothing_but_what_is_not_due(samples):
    """A clean learner (no planted problem) has no claimed milestone blocked by a finding: only M1s not due yet
    (started less than 14 days before the return) or of learners who withdrew before day 14 (normal, and not a
    finding) are claimed and not earned."""
    _, _, frame = samples
    unclean, _ = _planted()
    clean = [(u, lrn) not in unclean for u, lrn in zip(frame["ukprn"], frame["learn_ref_number"], strict=True)]
    lost = frame[pd.Series(clean, index=frame.index) & frame["claimed"] & ~frame["earned"]]
    assert set(lost["blocked_by"]) <= {NOT_YET_14_DAYS, LEFT_BEFORE_DAY_14}
    assert (lost["milestone"] == "M1").all()
    assert (lost["blocked_by"] == NOT_YET_14_DAYS).sum() == 12  # the late starts of 2025-03-22 to 03-31


def test_samples_planted_no_pay_rules_block_their_learners(samples):
    _, _, frame = samples
    _, planted = _planted()
    no_pay = {r.id for r in get_rules() if r.severity == "no-pay" and r.id.startswith("W5_")}
    blocked = {}
    for u, lrn, text in zip(frame["ukprn"], frame["learn_ref_number"], frame["blocked_by"], strict=True):
        blocked.setdefault((u, lrn), set()).update(text.split(","))
    # W5_M2_05: the duplicate M2 is hidden behind the bootcamp's earned M2 (one row per bootcamp and milestone)
    expected = [(int(r["ukprn"]), r["learn_ref_number"], r["check_id"]) for r in planted
                if r["check_id"] in no_pay and r["check_id"] != "W5_M2_05"]
    assert expected
    missing = [e for e in expected if e[2] not in blocked.get(e[:2], set())]
    assert not missing


# -- command line -------------------------------------------------------------------------------------------------

def test_cli_table_shows_provider_totals():
    result = CliRunner().invoke(main, ["milestones", str(ROOT / "samples")])
    assert result.exit_code == 0, result.output
    assert "Funding by provider" in result.output and "Canal Basin Code Academy CIC" in result.output
    assert "Claimed but not earned" in result.output and "W5_M3_04" in result.output
    assert "not-yet-14-days:" in result.output  # the legend of pseudo-reasons


def test_cli_csv_one_row_per_milestone(tmp_path):
    write_case({**COMPLETED, "m2": {}}, tmp_path)
    result = CliRunner().invoke(main, ["milestones", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ",".join(MILESTONE_FRAME.columns)
    assert len(lines) == 1 + 3
    assert lines[1].startswith("10000001,L1,1000000019,Z0009501,independent,M1,True,True,2024-05-15,R10,1200.00,,")
    assert lines[2].startswith("10000001,L1,1000000019,Z0009501,independent,M2,True,True,2024-07-31,R12,900.00,,")


def test_cli_summary_csv_json_and_out(tmp_path):
    write_case({**COMPLETED, "m2": {}}, tmp_path / "case")
    runner = CliRunner()
    result = runner.invoke(main, ["milestones", str(tmp_path / "case"), "--summary", "--format", "csv"])
    lines = result.output.splitlines()
    assert lines[0] == ",".join(MILESTONE_SUMMARY.columns)
    assert lines[1:] == ["10000001,Z0009501,M1,1,1,1,0,1200.00,1200.00,0.00,0.00,0.00",
                         "10000001,Z0009501,M2,1,1,1,0,900.00,900.00,0.00,0.00,0.00",
                         "10000001,Z0009501,M3,1,0,0,0,0.00,0.00,0.00,0.00,0.00"]
    result = runner.invoke(main, ["milestones", str(tmp_path / "case"), "--format", "json"])
    records = json.loads(result.output)
    assert len(records) == 3 and records[1]["milestone"] == "M2" and records[1]["milestone_date"] == "2024-07-31"
    assert records[2]["milestone_date"] is None and records[1]["amount_due"] == 900.0
    out = tmp_path / "summary.txt"
    result = runner.invoke(main, ["milestones", str(tmp_path / "case"), "--summary", "--out", str(out)])
    assert result.exit_code == 0 and "Wrote 3 summary rows" in result.output
    text = out.read_text(encoding="utf-8")
    assert "By provider, bootcamp aim and milestone" in text and "2,100.00" in text


def test_cli_all_returns_evaluates_each_snapshot(tmp_path):
    # the same learner in an R10 return (day 35) and an earlier return prepared on day 13
    write_case({"extra_returns": [{"ukprn": 10000001, "year": "2023-24", "prepared": D(2024, 5, 14),
                                   "learners": [{}]}]}, tmp_path)
    runner = CliRunner()
    latest = runner.invoke(main, ["milestones", str(tmp_path), "--format", "csv"]).output.splitlines()
    assert len(latest) == 1 + 3
    every = runner.invoke(main, ["milestones", str(tmp_path), "--format", "csv", "--all-returns"])
    rows = list(csv.DictReader(every.output.splitlines()))
    m1 = sorted((r["return_id"], r["earned"], r["blocked_by"]) for r in rows if r["milestone"] == "M1")
    assert [(e, b) for _, e, b in m1] == [("False", NOT_YET_14_DAYS), ("True", "")]
    summary = runner.invoke(main, ["milestones", str(tmp_path), "--summary", "--format", "csv", "--all-returns"])
    assert summary.output.splitlines()[0].startswith("ukprn,return_id,bootcamp_aim,milestone")


def test_cli_help_ends_with_an_example():
    result = CliRunner().invoke(main, ["milestones", "--help"])
    assert result.exit_code == 0 and "Example: auditkit milestones samples --summary" in result.output
