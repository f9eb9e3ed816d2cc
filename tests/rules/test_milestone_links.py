"""``link_milestones``: every M2/M3 aim in scope with the bootcamp aim its PSM fields name."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from auditkit import read_ilr
from auditkit.facts.milestone_links import BOOTCAMP_COLUMNS, link_milestones, m2_found
from auditkit.rules import RuleContext
from tests.rules.case import write_case

D = dt.date
FAMS = [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"},
        {"LearnDelFAMType": "DAM", "LearnDelFAMCode": "023"}]


def _ctx(case, tmp_path) -> RuleContext:
    write_case(case, tmp_path)
    data = read_ilr(tmp_path, progress=False)
    assert data.problems.empty, data.problems.to_string()
    return RuleContext(data)


def _bootcamp(seq, start, plan, **more):
    return {"LearnAimRef": "Z0009501", "AimType": 4, "AimSeqNumber": seq, "LearnStartDate": start,
            "LearnPlanEndDate": plan, "FundModel": 35, "DelLocPostCode": "B1 1AA", "LSDPostcode": "B15 2TT",
            "LearningDeliveryFAM": FAMS, **more}


def test_one_row_per_milestone_with_the_bootcamp_columns(tmp_path):
    ctx = _ctx({"bootcamp": {"completed": True}, "m2": {}, "m3": {"ProviderSpecDeliveryMonitoring": None}}, tmp_path)
    links = link_milestones(ctx)
    assert links.index.equals(ctx.milestones.index)
    assert list(links["aim_seq_number"]) == [2, 3]
    assert {f"bc_{c}" for c in BOOTCAMP_COLUMNS} <= set(links.columns)
    m2, m3 = links.iloc[0], links.iloc[1]
    assert m2["linked"] and m2["link"] == "learner" and m2["named"] == ["Z0009501"]
    assert (m2["bc_aim_seq_number"], m2["bc_comp_status"], m2["bc_outcome"]) == (1, 2, 1)
    assert m2["bc_learn_act_end_date"] == pd.Timestamp("2024-07-24")
    assert not m3["linked"] and pd.isna(m3["link"]) and m3["named"] == []
    assert all(pd.isna(m3[f"bc_{c}"]) for c in BOOTCAMP_COLUMNS)
    assert link_milestones(ctx) is links  # computed once per context


def test_m3_in_2024_25_links_to_bootcamp_and_m2_in_2023_24(tmp_path):
    """The guidance's example: bootcamp and M2 in the 2023-24 ILR at R14, M3 in October 2024 in the 2024-25 ILR."""
    day = D(2024, 10, 14)
    case = {"year": "2024-25", "prepared": D(2024, 12, 5), "no_bootcamp": True, "bootcamp": {"completed": True},
            "m3": {"LearnStartDate": day, "LearnPlanEndDate": day, "LearnActEndDate": day},
            "extra_returns": [{"ukprn": 10000001, "year": "2023-24", "prepared": D(2024, 10, 7),
                               "learners": [{"bootcamp": {"completed": True}, "m2": {}}]}]}
    ctx = _ctx(case, tmp_path)
    links = link_milestones(ctx)
    assert sorted(links["learn_aim_ref"]) == ["Z0010211", "Z0010212"]  # the 2023-24 return is in scope too
    row = links[links["is_m3"]].iloc[0]
    assert row["linked"] and row["link"] == "learner" and row["bc_ilr_year"] == "2023-24"
    assert m2_found(ctx, links[links["is_m3"]]).all()


def test_changed_learner_reference_links_by_uln_and_temporary_uln_never_links(tmp_path):
    day = D(2024, 8, 5)
    m2 = {"LearnStartDate": day, "LearnPlanEndDate": day, "LearnActEndDate": day}
    case = {"year": "2024-25", "prepared": D(2024, 12, 5), "no_bootcamp": True, "bootcamp": {"completed": True},
            "m2": m2,
            "other_learners": [{"learner": {"LearnRefNumber": "T1", "ULN": "9999999999"}, "no_bootcamp": True,
                                "bootcamp": {"completed": True}, "m2": m2}],
            "extra_returns": [{"ukprn": 10000001, "year": "2023-24", "prepared": D(2024, 10, 7), "learners": [
                {"learner": {"LearnRefNumber": "OLD1"}, "bootcamp": {"completed": True}},
                {"learner": {"LearnRefNumber": "T0", "ULN": "9999999999"}, "bootcamp": {"completed": True}}]}]}
    links = link_milestones(_ctx(case, tmp_path)).set_index("learn_ref_number")
    assert links.at["L1", "link"] == "uln-provider" and links.at["L1", "bc_learn_ref_number"] == "OLD1"
    assert not links.at["T1", "linked"]


def test_several_bootcamps_with_the_same_aim_ref_pick_deterministically(tmp_path):
    """A withdrawn first attempt and a restart: each milestone links to the latest attempt started on or before it."""
    first = _bootcamp(1, D(2024, 4, 8), D(2024, 6, 28), CompStatus=3, LearnActEndDate=D(2024, 4, 30),
                      WithdrawReason=97, Outcome=3)
    restart = _bootcamp(4, D(2024, 9, 2), D(2024, 11, 22), CompStatus=2, LearnActEndDate=D(2024, 11, 22), Outcome=1)
    early, late = D(2024, 5, 10), D(2024, 11, 29)

    def m2(seq, day):
        return {"LearnAimRef": "Z0010211", "AimType": 4, "AimSeqNumber": seq, "LearnStartDate": day,
                "LearnPlanEndDate": day, "FundModel": 35, "DelLocPostCode": "B1 1AA", "CompStatus": 2,
                "LearnActEndDate": day, "Outcome": 1, "LearningDeliveryFAM": FAMS[:2],
                "ProviderSpecDeliveryMonitoring": [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "Z0009501"}]}

    case = {"no_bootcamp": True, "prepared": D(2024, 12, 5), "year": "2024-25",
            "deliveries": [first, restart, m2(2, early), m2(3, late)]}
    links = link_milestones(_ctx(case, tmp_path)).set_index("aim_seq_number")
    assert links.at[2, "bc_aim_seq_number"] == 1  # dated before the restart: the first attempt
    assert links.at[3, "bc_aim_seq_number"] == 4  # after the restart: the restart, not the withdrawn attempt
