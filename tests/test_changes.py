"""Change history between two returns of a provider (auditkit.measures.changes): each change kind on two hand-built
returns, masking of personal values, and the samples' snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import read_ilr
from auditkit.cli import main
from auditkit.frames.measures import CHANGES
from auditkit.measures.changes import (
    AIM_ADDED,
    AIM_REMOVED,
    CHANGE_KINDS,
    FIELD_CHANGED,
    LEARNER_ADDED,
    LEARNER_REMOVED,
    MILESTONE_CLAIMED,
    change_histories,
    change_history,
    mask_changes,
    resolve_return,
    return_pairs,
    summary,
)
from tests.rules.case import BASE_BOOTCAMP, merge, write_case
from tests.test_kpis import uln

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
D = dt.date
UKPRN = 10000001

SECOND_AIM = merge(BASE_BOOTCAMP, {"LearnAimRef": "Z0009502", "AimSeqNumber": 2})


def person(n: int, **learner) -> dict:
    return {"LearnRefNumber": f"L{n}", "ULN": uln(n), **learner}


@pytest.fixture(scope="module")
def two_returns(tmp_path_factory):
    """R10 (prepared 2024-06-05) and R14 (2024-10-07) of one provider in 2023-24.

    - L1 continues in R10, completes (2024-07-24, PSM WMCA1.3) and claims M2 in R14;
    - L2 is only in R10 (removed); L3 only in R14 (added, with an M2 already);
    - L4's family name is corrected in R14 (personal: masked in displays);
    - L5 has a second aim in R10 that is gone in R14; L6 gets a second aim in R14;
    - L7 withdraws in R14 (CompStatus 3, WithdrawReason 97, LearnActEndDate 2024-06-20).
    """
    r14 = [
        {"learner": person(1), "bootcamp": {"completed": True}, "m2": {}},
        {"learner": person(3), "bootcamp": {"completed": True}, "m2": {}},
        {"learner": person(4, FamilyName="Newname")},
        {"learner": person(5)},
        {"learner": person(6), "deliveries": [SECOND_AIM]},
        {"learner": person(7), "bootcamp": {"CompStatus": 3, "WithdrawReason": 97, "Outcome": 3,
                                            "LearnActEndDate": D(2024, 6, 20)}},
    ]
    case = {"learner": person(1), "other_learners": [
        {"learner": person(2)}, {"learner": person(4)}, {"learner": person(5)}, {"learner": person(7)},
        {"learner": person(6)}],
        "extra_returns": [{"ukprn": UKPRN, "year": "2023-24", "prepared": D(2024, 10, 7), "learners": r14}]}
    case["other_learners"][2]["deliveries"] = [SECOND_AIM]  # L5's second aim, R10 only
    folder = write_case(case, tmp_path_factory.mktemp("changes"))
    data = read_ilr(folder, progress=False)
    return folder, data


@pytest.fixture(scope="module")
def changes(two_returns):
    _, data = two_returns
    return change_history(data, UKPRN, "R10", "R14")


def kinds(changes: pd.DataFrame, kind: str) -> set:
    rows = changes[changes["change"] == kind]
    return set(zip(rows["learn_ref_number"], rows["aim_seq_number"].astype(object).where(
        rows["aim_seq_number"].notna(), None), rows["field"].astype(object).where(rows["field"].notna(), None),
        strict=True))


def test_every_change_kind(changes):
    CHANGES.schema.validate(changes)
    assert list(changes.columns) == CHANGES.columns
    assert set(changes["change"]) == set(CHANGE_KINDS)
    assert kinds(changes, LEARNER_ADDED) == {("L3", None, None)}
    assert kinds(changes, LEARNER_REMOVED) == {("L2", None, None)}
    assert kinds(changes, AIM_ADDED) == {("L6", 2, None)}
    assert kinds(changes, AIM_REMOVED) == {("L5", 2, None)}
    # an M2 appears for L1 (a learner in both returns) and for L3 (a new learner)
    assert kinds(changes, MILESTONE_CLAIMED) == {("L1", 2, "M2"), ("L3", 2, "M2")}
    claimed = changes[(changes["change"] == MILESTONE_CLAIMED) & (changes["learn_ref_number"] == "L1")].iloc[0]
    assert claimed["new"] == "2024-07-31 (PSM: Z0009501)" and claimed["learn_aim_ref"] == "Z0010211"


def test_field_changes(changes):
    fields = changes[changes["change"] == FIELD_CHANGED].set_index(["learn_ref_number", "field"])
    # L1 completed: CompStatus 1 -> 2, LearnActEndDate and Outcome from nothing, a destination code in PSM A
    assert tuple(fields.loc[("L1", "CompStatus"), ["old", "new"]]) == ("1", "2")
    assert pd.isna(fields.loc[("L1", "LearnActEndDate"), "old"])
    assert fields.loc[("L1", "LearnActEndDate"), "new"] == "2024-07-24"
    assert fields.loc[("L1", "Outcome"), "new"] == "1"
    assert fields.loc[("L1", "PSM A"), "new"] == "WMCA1.3"
    assert fields.loc[("L1", "CompStatus"), "aim_seq_number"] == 1
    # L7 withdrew
    assert fields.loc[("L7", "WithdrawReason"), "new"] == "97"
    assert tuple(fields.loc[("L7", "CompStatus"), ["old", "new"]]) == ("1", "3")
    # L4's name: reported as a learner-level change (no aim)
    name = fields.loc[("L4", "FamilyName")]
    assert (name["old"], name["new"]) == ("Sample", "Newname") and pd.isna(name["aim_seq_number"])
    # nothing else changed for L4, L5 and L6
    assert set(fields.loc["L4"].index) == {"FamilyName"}
    assert "L5" not in fields.index.get_level_values(0) and "L6" not in fields.index.get_level_values(0)


def test_personal_values_are_masked_for_display(changes):
    masked = mask_changes(changes)
    row = masked[masked["field"] == "FamilyName"].iloc[0]
    assert (row["old"], row["new"]) == ("S***", "N***")
    # other fields are left as they are, and reveal shows everything
    assert masked[masked["field"] == "CompStatus"]["new"].tolist() == changes[changes["field"] == "CompStatus"][
        "new"].tolist()
    assert mask_changes(changes, reveal=True).equals(changes)


def test_no_changes_between_a_return_and_itself(two_returns):
    _, data = two_returns
    assert change_history(data, UKPRN, "R14", "R14").empty


def test_reverse_direction_swaps_added_and_removed(two_returns):
    _, data = two_returns
    back = change_history(data, UKPRN, "R14", "R10")
    assert kinds(back, LEARNER_ADDED) == {("L2", None, None)}
    assert kinds(back, LEARNER_REMOVED) == {("L3", None, None)}
    assert ("L1", 2, None) in kinds(back, AIM_REMOVED)  # the M2 aim disappears


def test_resolve_return(two_returns):
    _, data = two_returns
    r10 = data.returns.loc[data.returns["period"] == "R10", "return_id"].iloc[0]
    assert resolve_return(data, UKPRN, "R10") == r10
    assert resolve_return(data, UKPRN, "2023-24 R10") == r10
    assert resolve_return(data, UKPRN, r10) == r10
    with pytest.raises(ValueError, match="names no return of provider 10000001; its returns are"):
        resolve_return(data, UKPRN, "R05")


def test_cli_changes_table_masks_names(two_returns):
    folder, _ = two_returns
    res = CliRunner().invoke(main, ["kpis", str(folder), "--changes"])
    assert res.exit_code == 0, res.output
    assert "learner-added" in res.output and "N***" in res.output and "Newname" not in res.output
    res = CliRunner().invoke(main, ["kpis", str(folder), "--changes", "--format", "csv", "--reveal"])
    assert "Newname" in res.output


# -- the samples -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def samples(samples_case):
    return samples_case.loaded


def test_samples_return_pairs(samples):
    # consecutive returns within a year: FLD 2023-24 R10-R12, R12-R14, 2024-25 R04-R08; CBC R12-R14, R04-R08;
    # TFT R10-R14, R04-R08; Hockley Port and Oldbury Gate R04-R08; Meadowlark has one return
    pairs = return_pairs(samples)
    assert len(pairs) == 9
    assert {p for p, _, _ in pairs} == {10090001, 10090002, 10090003, 10090004, 10090005}


def test_samples_two_snapshots(samples):
    # Foundry Lane 2023-24 R10 -> R12: no learner comes or goes; learners complete (CompStatus 1 -> 2) and M2s are
    # claimed (FLD0004 and FLD0006 among them, whose M3 comes in the 2024-25 return)
    c = change_history(samples, 10090001, "2023-24 R10", "2023-24 R12")
    CHANGES.schema.validate(c)
    assert not set(c["change"]) & {LEARNER_ADDED, LEARNER_REMOVED}
    claimed = c[c["change"] == MILESTONE_CLAIMED]
    assert {"FLD0004", "FLD0006"} <= set(claimed["learn_ref_number"])
    assert set(claimed.loc[claimed["learn_ref_number"].isin(["FLD0004", "FLD0006"]), "field"]) == {"M2"}
    completed = c[(c["field"] == "CompStatus") & (c["new"] == "2")]
    assert len(completed) > 0 and set(completed["old"]) == {"1"}
    # every M2 claimed names a bootcamp aim in its PSM
    assert claimed["new"].str.contains(r"PSM: Z\d{7}").all()


def test_samples_learners_added_in_2024_25(samples):
    # the R08 return of Foundry Lane holds the learners who started since R04: exactly those not in R04
    c = change_history(samples, 10090001, "2024-25 R04", "2024-25 R08")
    r = samples.learners
    ids = resolve_return(samples, 10090001, "2024-25 R04"), resolve_return(samples, 10090001, "2024-25 R08")
    before = set(r.loc[r["return_id"] == ids[0], "learn_ref_number"])
    after = set(r.loc[r["return_id"] == ids[1], "learn_ref_number"])
    assert set(c.loc[c["change"] == LEARNER_ADDED, "learn_ref_number"]) == after - before
    assert len(after - before) > 0


def test_samples_change_histories_summary(samples):
    c = change_histories(samples)
    s = summary(c)
    assert len(s) == 9
    assert s[MILESTONE_CLAIMED].sum() == (c["change"] == MILESTONE_CLAIMED).sum() > 0
