"""KPIs (auditkit.measures.kpis): a hand-worked example per KPI, red/amber/green boundaries, members consistency, real
cases through the rules and milestones, golden outputs on the samples, and ``auditkit kpis`` on the command line.

Hand-built milestone frames (:func:`milestone_frame`) follow the milestone frame interface of
``auditkit.funding.milestones``; the real cases go through ``auditkit.open_case``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import open_case
from auditkit.cli import main
from auditkit.frames.funding import MILESTONE_FRAME
from auditkit.frames.measures import KPI_MEMBERS, KPI_VALUES
from auditkit.measures.kpis import (
    ALL_AIMS,
    AMBER,
    GREEN,
    KPI_IDS,
    NOT_EVALUATED,
    NUMERATOR,
    RED,
    kpi_catalogue,
    kpi_status,
    kpis,
    positive_destination_codes,
)
from auditkit.reference.uln import check_digit
from auditkit.views.charts import kpi_chart
from tests.rules.case import write_case

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
D = dt.date
UKPRN = 10000001
AS_OF = "2025-04-04"


# -- helpers -----------------------------------------------------------------------------------------------------

def uln(n: int) -> str:
    """A valid ULN for test learner ``n``."""
    k = 100000000 + 100 * n
    while check_digit(str(k)) is None:
        k += 1
    return f"{k}{check_digit(str(k))}"


def milestone_frame(aims: list[dict]) -> pd.DataFrame:
    """A milestone frame (the interface's columns and dtypes) from short descriptions of bootcamp aims.

    Keys: ``lrn``, ``ukprn``, ``aim`` (bootcamp LearnAimRef), ``type`` (learner type), ``start``, ``end``
    (LearnActEndDate), ``comp`` (CompStatus), ``outcome``, ``contribution``, ``price``, ``m1`` (earned, default
    True), ``m2`` / ``m3`` (earned, default False) and ``m2_date`` / ``m3_date``.
    """
    rows = []
    for i, a in enumerate(aims):
        start = pd.Timestamp(a.get("start", "2024-05-01"))
        base = {"ukprn": a.get("ukprn", UKPRN), "learn_ref_number": a.get("lrn", f"L{i + 1}"), "uln": uln(i + 1),
                "bootcamp_aim": a.get("aim", "Z0009501"), "learner_type": a.get("type", "independent"),
                "ilr_year": "2023-24", "return_id": "R", "aim_seq_number": 1, "learn_start_date": start,
                "learn_plan_end_date": start + pd.Timedelta(days=84),
                "learn_act_end_date": pd.Timestamp(a["end"]) if a.get("end") else pd.NaT,
                "comp_status": a.get("comp", 1), "outcome": a.get("outcome"), "price": a.get("price", 3000.0),
                "contribution": a.get("contribution", 0.0)}
        for m, share in (("M1", 0.4), ("M2", 0.3), ("M3", 0.3)):
            earned = bool(a.get(m.lower(), m == "M1"))
            date = (start + pd.Timedelta(days=14) if m == "M1" else
                    pd.Timestamp(a.get(f"{m.lower()}_date", "2024-09-01")) if earned else pd.NaT)
            rows.append({**base, "milestone": m, "claimed": m == "M1" or earned, "earned": earned,
                         "milestone_date": date, "period": None, "share": share, "amount_due": 0.0,
                         "amount_claimed": 0.0, "at_risk": 0.0, "blocked_by": "", "milestone_aim_seq": None,
                         "milestone_return_id": None, "evidence_blocked_by": "", "at_risk_evidence": 0.0})
    return MILESTONE_FRAME.conform(pd.DataFrame(rows)[MILESTONE_FRAME.columns])  # the declared dtypes


def total(result, kpi: str, ukprn: int = UKPRN, aim: str = ALL_AIMS) -> pd.Series:
    """The last month's row of one KPI: its cumulative figures are the totals."""
    rows = result.values[(result.values["ukprn"] == ukprn) & (result.values["bootcamp_aim"] == aim)
                         & (result.values["kpi"] == kpi)]
    return rows.sort_values("month").iloc[-1]


def month(result, kpi: str, label: str, aim: str = ALL_AIMS) -> pd.Series:
    v = result.values
    return v[(v["ukprn"] == UKPRN) & (v["bootcamp_aim"] == aim) & (v["kpi"] == kpi) & (v["month"] == label)].iloc[0]


def members(result, kpi: str, role: str, month_label: str = "2099-12") -> list[str]:
    m = result.members_of(UKPRN, ALL_AIMS, kpi, month_label, cumulative=True, role=role)
    return sorted(m["learn_ref_number"].dropna())


def evidence(rows: list[tuple]) -> pd.DataFrame:
    """An evidence frame from (learn_ref_number, evidence_type[, amount[, employer]]) tuples."""
    out = []
    for r in rows:
        lrn, kind, amount, employer = (*r, None, None)[:4]
        out.append({"ukprn": UKPRN, "learn_ref_number": lrn, "evidence_type": kind, "document_date": "2024-05-01",
                    "received_date": "2024-05-02", "amount": amount, "employer": employer})
    frame = pd.DataFrame(out)
    return frame.astype({"ukprn": "Int64", "learn_ref_number": "string", "evidence_type": "string",
                         "amount": "Float64", "employer": "string"}).assign(
        document_date=lambda d: pd.to_datetime(d["document_date"]), received_date=lambda d: pd.to_datetime(
            d["received_date"]))


# -- hand-worked examples, one per KPI ------------------------------------------------------------------------------

def test_hand_built_frame_follows_the_milestone_interface():
    frame = milestone_frame([{"end": "2024-07-24", "comp": 2, "outcome": 1, "m2": True}])
    MILESTONE_FRAME.schema.validate(frame)
    assert list(frame.columns) == MILESTONE_FRAME.columns


def test_starts_counts_aims_by_month_of_learn_start_date():
    # 3 aims start in May 2024, 1 in June: starts May = 3, June = 1, cumulative by June = 3 + 1 = 4
    ms = milestone_frame([{}, {}, {}, {"start": "2024-06-03"}])
    r = kpis(None, ms, as_of=AS_OF)
    assert month(r, "starts", "2024-05")[["numerator", "cumulative_numerator"]].tolist() == [3, 3]
    june = month(r, "starts", "2024-06")
    assert (june["numerator"], june["cumulative_numerator"], june["value"]) == (1, 4, 1.0)
    assert pd.isna(june["denominator"]) and pd.isna(june["status"])  # a count: no denominator, no target
    # months run on to the as-of month with nothing new: April 2025 adds 0 and keeps the total 4
    last = total(r, "starts")
    assert (last["month"], last["numerator"], last["cumulative_value"]) == ("2025-04", 0, 4.0)


def test_m1_achieved_counts_by_the_m1_date():
    # starts 2024-05-20 -> M1 date 2024-05-20 + 14 days = 2024-06-03: counted in June, not May;
    # an aim whose M1 is not earned is not counted at all: M1 achieved = 1
    ms = milestone_frame([{"start": "2024-05-20"}, {"start": "2024-05-02", "m1": False}])
    r = kpis(None, ms, as_of=AS_OF)
    m1 = r.values[(r.values["kpi"] == "m1_achieved") & (r.values["bootcamp_aim"] == ALL_AIMS)]
    assert m1["month"].iloc[0] == "2024-06"
    assert total(r, "m1_achieved")["cumulative_numerator"] == 1


def _drop_out(withdrawn: int, reached: int) -> pd.Series:
    aims = [{"comp": 3, "end": "2024-06-10"}] * withdrawn + [{}] * (reached - withdrawn)
    aims.append({"comp": 3, "end": "2024-05-10", "m1": False})  # left on day 9: never reached M1, not counted
    return total(kpis(None, milestone_frame(aims), as_of=AS_OF), "drop_out_rate")


@pytest.mark.parametrize(("withdrawn", "reached", "value", "status"), [
    (1, 5, 0.20, GREEN),  # 1 withdrew after M1 of 5 who reached M1: 1/5 = 20% -> target <= 20%: green
    (0, 5, 0.00, GREEN),  # 0/5 = 0%: green
    (1, 4, 0.25, AMBER),  # 1/4 = 25%: the amber band is (20%, 25%]: amber
    (2, 9, 2 / 9, AMBER),  # 2/9 = 22.2%: amber
    (3, 11, 3 / 11, RED),  # 3/11 = 27.3%: more than 5 points over: red
    (2, 5, 0.40, RED),  # 2/5 = 40%: red
])
def test_drop_out_rate(withdrawn, reached, value, status):
    row = _drop_out(withdrawn, reached)
    assert (row["cumulative_numerator"], row["cumulative_denominator"]) == (withdrawn, reached)
    assert row["cumulative_value"] == pytest.approx(value)
    assert row["status"] == status and row["direction"] == "at-most" and row["target"] == 0.2


def test_drop_out_and_completion_cohorts_are_the_m1_month():
    # M1 dates: L1-L3 2024-05-15 (May cohort), L4 2024-06-17 (June cohort). L2 withdrew (in July), L4 withdrew.
    # drop-out May = 1/3, June = 1/1; cumulative June = (1 + 1)/(3 + 1) = 50%.
    # completion: L1 completed (May cohort): May = 1/3, cumulative = 1/4 = 25%; completion has no target.
    ms = milestone_frame([{"comp": 2, "end": "2024-07-24", "outcome": 1}, {"comp": 3, "end": "2024-07-01"}, {},
                          {"start": "2024-06-03", "comp": 3, "end": "2024-07-01"}])
    r = kpis(None, ms, as_of=AS_OF)
    may, june = month(r, "drop_out_rate", "2024-05"), month(r, "drop_out_rate", "2024-06")
    assert (may["numerator"], may["denominator"], june["numerator"], june["denominator"]) == (1, 3, 1, 1)
    assert june["cumulative_value"] == pytest.approx(0.5)
    done = total(r, "completion_rate")
    assert (done["cumulative_numerator"], done["cumulative_denominator"]) == (1, 4)
    assert done["cumulative_value"] == pytest.approx(0.25) and pd.isna(done["status"]) and pd.isna(done["target"])
    assert members(r, "drop_out_rate", NUMERATOR) == ["L2", "L4"]


@pytest.mark.parametrize(("earned", "completers", "status"), [
    (20, 20, GREEN),  # 20/20 = 100%: green
    (19, 20, AMBER),  # 19/20 = 95%: exactly 5 points short: amber
    (18, 20, RED),  # 18/20 = 90%: red
])
def test_m2_rate(earned, completers, status):
    aims = ([{"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True}] * earned
            + [{"comp": 2, "end": "2024-07-24", "outcome": 1}] * (completers - earned)
            + [{"comp": 3, "end": "2024-06-10", "m2": False}])  # not a completer: not counted
    row = total(kpis(None, milestone_frame(aims), as_of=AS_OF), "m2_rate")
    assert (row["cumulative_numerator"], row["cumulative_denominator"], row["status"]) == (earned, completers, status)


def test_m2_rate_month_is_the_completion_month():
    # completers ending 2024-07-24 and 2024-08-02: July 1/1 (M2 earned), August 0/1; cumulative 1/2 = 50%
    ms = milestone_frame([{"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True},
                          {"comp": 2, "end": "2024-08-02", "outcome": 1}])
    r = kpis(None, ms, as_of=AS_OF)
    assert month(r, "m2_rate", "2024-07")[["numerator", "denominator"]].tolist() == [1, 1]
    aug = month(r, "m2_rate", "2024-08")
    assert aug[["numerator", "denominator", "cumulative_numerator", "cumulative_denominator"]].tolist() == [0, 1, 1, 2]


def test_positive_outcome_rate_counts_completers_whose_window_closed():
    # as of 2025-04-04. Completers ending 2024-07-24: window closes 2025-01-24 (due, counted in January 2025);
    # L4 ends 2024-12-01: window closes 2025-06-01, after the as-of date: not due, not counted.
    # L1 and L2 earned M3, L3 did not: 2/3 = 66.7% -> target >= 70%: within 5 points: amber.
    done = {"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True}
    ms = milestone_frame([{**done, "m3": True}, {**done, "m3": True}, done,
                          {"comp": 2, "end": "2024-12-01", "outcome": 1, "m3": True}])
    r = kpis(None, ms, as_of=AS_OF)
    row = total(r, "positive_outcome_rate")
    assert (row["cumulative_numerator"], row["cumulative_denominator"]) == (2, 3)
    assert row["cumulative_value"] == pytest.approx(2 / 3) and row["status"] == AMBER
    assert month(r, "positive_outcome_rate", "2025-01")["denominator"] == 3
    # a month earlier (as of 2025-01-20) nothing is due yet: 0/0, not evaluated (never a 0%)
    early = total(kpis(None, ms, as_of="2025-01-20"), "positive_outcome_rate")
    assert early["cumulative_denominator"] == 0 and pd.isna(early["cumulative_value"])
    assert early["status"] == NOT_EVALUATED
    # 3/4 = 75% is green; 13/20 = 65% is amber (the boundary); 64% is red
    assert kpi_status(pd.Series([0.75, 0.65, 0.64]), "positive_outcome_rate").tolist() == [GREEN, AMBER, RED]


def test_evidence_kpis_are_not_evaluated_without_evidence():
    # 2 completers and 1 withdrawn learner, no evidence tracker: new skills, referral and co-funding give the
    # denominator (2 completers; 1 unsuccessful) with an NA numerator and value, status not-evaluated
    ms = milestone_frame([{"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True, "m3": True},
                          {"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True, "m3": True},
                          {"comp": 3, "end": "2024-06-10"}])
    r = kpis(None, ms, as_of=AS_OF)
    for kpi, denominator in (("new_skills", 2), ("referral", 1), ("co_funding_compliance", 0)):
        row = total(r, kpi)
        assert pd.isna(row["cumulative_numerator"]) and pd.isna(row["cumulative_value"]), kpi
        assert row["cumulative_denominator"] == denominator and row["status"] == NOT_EVALUATED, kpi
    assert r.members[r.members["kpi"] == "new_skills"]["role"].eq("denominator").all()
    sat = total(r, "employer_satisfaction")
    assert sat["status"] == NOT_EVALUATED and pd.isna(sat["cumulative_numerator"])
    assert any("no evidence tracker" in n for n in r.notes)


def test_evidence_kpis_are_not_evaluated_for_a_provider_the_tracker_does_not_cover():
    ms = milestone_frame([{"comp": 2, "end": "2024-07-24", "outcome": 1}])
    other = evidence([("X1", "initial_assessment")]).assign(ukprn=pd.array([10000002], dtype="Int64"))
    row = total(kpis(None, ms, other, as_of=AS_OF), "new_skills")
    assert row["status"] == NOT_EVALUATED and pd.isna(row["cumulative_numerator"])


def test_new_skills():
    # 3 completers: L1 and L2 have an initial and a final assessment, L3 only an initial one: 2/3 = 66.7%: red;
    # L4 (continuing) has both but is not a completer: not counted
    done = {"comp": 2, "end": "2024-07-24", "outcome": 1}
    ms = milestone_frame([done, done, done, {}])
    ev = evidence([("L1", "initial_assessment"), ("L1", "final_assessment"), ("L2", "initial_assessment"),
                   ("L2", "final_assessment"), ("L3", "initial_assessment"), ("L4", "initial_assessment"),
                   ("L4", "final_assessment")])
    r = kpis(None, ms, ev, as_of=AS_OF)
    row = total(r, "new_skills")
    assert (row["cumulative_numerator"], row["cumulative_denominator"], row["status"]) == (2, 3, RED)
    assert members(r, "new_skills", NUMERATOR) == ["L1", "L2"]


def test_referral():
    # unsuccessful: L1 withdrew (2024-06-10, June), L2 completed without M3 or destination and its window closed
    # (2024-07-24 + 6 months = 2025-01-24, January 2025). L3 completed with M3: successful. L4 completed
    # 2024-12-01 without M3: window still open on 2025-04-04, not yet unsuccessful.
    # L1 has a referral record, L2 not: 1/2 = 50%: red.
    done = {"comp": 2, "end": "2024-07-24", "outcome": 1, "m2": True}
    ms = milestone_frame([{"comp": 3, "end": "2024-06-10"}, done, {**done, "m3": True},
                          {"comp": 2, "end": "2024-12-01", "outcome": 1}])
    ev = evidence([("L1", "referral_record"), ("L3", "referral_record"), ("L4", "initial_assessment")])
    r = kpis(None, ms, ev, as_of=AS_OF)
    row = total(r, "referral")
    assert (row["cumulative_numerator"], row["cumulative_denominator"], row["status"]) == (1, 2, RED)
    assert month(r, "referral", "2024-06")["denominator"] == 1 and month(r, "referral", "2025-01")["denominator"] == 1
    assert members(r, "referral", "denominator") == ["L1", "L2"]


def test_co_funding_compliance():
    # 4 co-funded aims, price 3000: L1 records Contribution 30 and paid 30% x 3000 = 900 in full; L2 records 30 but
    # paid 450; L3 records no contribution; L4 records 10 and paid 300, but its employer is large (should pay 30%).
    # With the register: only L1 complies: 1/4 = 25%: red. Without it, L4's rate is not checked: 2/4 = 50%.
    # L5 is not co-funded: not counted.
    co = {"type": "co-funded"}
    ms = milestone_frame([{**co, "contribution": 0.3}, {**co, "contribution": 0.3}, {**co, "contribution": 0.0},
                          {**co, "contribution": 0.1}, {}])
    ev = evidence([("L1", "employer_contribution_payment", 900.0, "Big Co Ltd"),
                   ("L2", "employer_contribution_payment", 450.0, "Big Co Ltd"),
                   ("L3", "employer_contribution_payment", 900.0, "Big Co Ltd"),
                   ("L4", "employer_contribution_payment", 300.0, "Big Co Limited")])
    register = pd.DataFrame({"employer_id": pd.array([900100001], dtype="Int64"), "name": ["Big Co Ltd"],
                             "size": ["large"], "satisfaction": pd.array([4.0], dtype="Float64"),
                             "date_contacted": pd.to_datetime(["2024-03-01"])})
    with_register = total(kpis(None, ms, ev, register, as_of=AS_OF), "co_funding_compliance")
    assert (with_register["cumulative_numerator"], with_register["cumulative_denominator"]) == (1, 4)
    assert with_register["status"] == RED
    without = kpis(None, ms, ev, as_of=AS_OF)
    row = total(without, "co_funding_compliance")
    assert row[["cumulative_numerator", "cumulative_denominator"]].tolist() == [2, 4]
    assert any("employer's size" in n for n in without.notes)
    assert members(without, "co_funding_compliance", NUMERATOR) == ["L1", "L4"]


def test_employer_satisfaction_per_provider():
    # the provider's evidence names employers A (score 4), B (score 2) and C (no score); D (score 5) is not linked
    # to the provider. Scored employers: A, B; scoring 3+: A: 1/2 = 50%: red. Month: date_contacted.
    ms = milestone_frame([{}, {}, {}])
    ev = evidence([("L1", "interview_offer", None, "A Ltd"), ("L2", "job_offer", None, "B Ltd"),
                   ("L3", "interview_offer", None, "C Ltd")])
    register = pd.DataFrame({"employer_id": pd.array([1, 2, 3, 4], dtype="Int64"),
                             "name": ["A Ltd", "B Ltd", "C Ltd", "D Ltd"], "size": ["sme"] * 4,
                             "satisfaction": pd.array([4.0, 2.0, None, 5.0], dtype="Float64"),
                             "date_contacted": pd.to_datetime(["2024-06-10", "2024-07-02", None, "2024-06-01"])})
    r = kpis(None, ms, ev, register, as_of=AS_OF)
    row = total(r, "employer_satisfaction")
    assert (row["cumulative_numerator"], row["cumulative_denominator"], row["status"]) == (1, 2, RED)
    assert month(r, "employer_satisfaction", "2024-06")[["numerator", "denominator"]].tolist() == [1, 1]
    # per provider only: no bootcamp aim rows
    sat = r.values[r.values["kpi"] == "employer_satisfaction"]
    assert set(sat["bootcamp_aim"]) == {ALL_AIMS}
    drilled = r.members_of(UKPRN, ALL_AIMS, "employer_satisfaction", "2025-04", role=NUMERATOR)
    assert drilled["employer_id"].tolist() == ["1"]


def test_all_aims_total_adds_the_aims():
    # aim Z0009501: 2 starts, aim Z0009502: 3 starts -> all: 5
    ms = milestone_frame([{}, {}, {"aim": "Z0009502"}, {"aim": "Z0009502"}, {"aim": "Z0009502"}])
    r = kpis(None, ms, as_of=AS_OF)
    assert total(r, "starts", aim="Z0009501")["cumulative_value"] == 2
    assert total(r, "starts", aim="Z0009502")["cumulative_value"] == 3
    assert total(r, "starts")["cumulative_value"] == 5
    assert len(r.members_of(UKPRN, ALL_AIMS, "starts", "2024-05")) == 5
    assert len(r.members_of(UKPRN, "Z0009502", "starts", "2024-05")) == 3


@pytest.mark.parametrize(("kpi", "values", "expected"), [
    ("drop_out_rate", [0.0, 0.2, 0.2000001, 0.25, 0.2500001, 1.0], [GREEN, GREEN, AMBER, AMBER, RED, RED]),
    ("positive_outcome_rate", [1.0, 0.7, 0.6999, 0.65, 0.6499], [GREEN, GREEN, AMBER, AMBER, RED]),
    ("m2_rate", [1.0, 0.99, 0.95, 0.9499], [GREEN, AMBER, AMBER, RED]),
])
def test_status_boundaries(kpi, values, expected):
    assert kpi_status(pd.Series(values), kpi).tolist() == expected


def test_aims_without_an_end_date_are_noted_not_dropped_silently():
    # a completed aim without LearnActEndDate cannot be placed in a month: left out of m2_rate, and a note says so
    r = kpis(None, milestone_frame([{"comp": 2, "outcome": 1}]), as_of=AS_OF)
    assert total(r, "m2_rate")["cumulative_denominator"] == 0
    assert any("no LearnActEndDate" in n for n in r.notes)


def test_status_without_target_or_value():
    assert kpi_status(pd.Series([0.5]), "completion_rate").isna().all()
    assert kpi_status(pd.Series([None], dtype="Float64"), "m2_rate").tolist() == [NOT_EVALUATED]


def test_positive_destination_codes():
    codes = positive_destination_codes()
    assert {"WMCA1.3", "WMCA1.0", "WMCA5.1", "WMCA8.0"} <= codes
    assert not {"WMCA5.0", "WMCA10.2", "WMCA13.1", "WMCA15.0"} & codes


def test_catalogue_lists_every_kpi():
    cat = kpi_catalogue()
    assert cat["kpi"].tolist() == list(KPI_IDS)
    assert cat.set_index("kpi").at["drop_out_rate", "direction"] == "at-most"


# -- real cases: rules and milestones first ------------------------------------------------------------------------

WITHDRAWN = {"CompStatus": 3, "LearnActEndDate": D(2024, 6, 10), "WithdrawReason": 97, "Outcome": 3}


def learner(n: int, **spec) -> dict:
    return {"learner": {"LearnRefNumber": f"L{n}", "ULN": uln(n)}, **spec}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """A 2023-24 R14 return (prepared 2024-10-07), six learners starting 2024-05-01 (M1 date 2024-05-15):
    L1 completed with M2, L2 completed, L3 withdrew 2024-06-10 (after M1), L4 continuing, L5 completed with M2,
    L6 left 2024-05-10 (day 9, before M1)."""
    case = {"prepared": D(2024, 10, 7), "learner": {"ULN": uln(1)}, "bootcamp": {"completed": True}, "m2": {},
            "other_learners": [learner(2, bootcamp={"completed": True}), learner(3, bootcamp=WITHDRAWN), learner(4),
                               learner(5, bootcamp={"completed": True}, m2={}),
                               learner(6, bootcamp={**WITHDRAWN, "LearnActEndDate": D(2024, 5, 10)})]}
    folder = write_case(case, tmp_path_factory.mktemp("cohort"))
    return open_case([folder], progress=False)


def test_cohort_counts(cohort):
    r = cohort.kpis
    # starts: 6 in May; M1 achieved: 5 (L6 left before day 14)
    assert total(r, "starts")["cumulative_value"] == 6
    assert total(r, "m1_achieved")["cumulative_value"] == 5
    # drop-out: L3 withdrew after M1, of 5 who reached M1: 1/5 = 20%: green
    drop = total(r, "drop_out_rate")
    assert drop[["cumulative_numerator", "cumulative_denominator", "status"]].tolist() == [1, 5, GREEN]
    # completion: L1, L2, L5 of 5: 3/5 = 60%
    assert total(r, "completion_rate")["cumulative_value"] == pytest.approx(0.6)
    # M2: L1 and L5 of 3 completers (July 2024): 2/3 = 66.7%: red
    m2 = total(r, "m2_rate")
    assert m2[["cumulative_numerator", "cumulative_denominator", "status"]].tolist() == [2, 3, RED]
    assert month(r, "m2_rate", "2024-07")["denominator"] == 3


def test_cohort_destination_recorded(cohort):
    # leavers L1, L2, L5 (ended 2024-07-24; 2-month window closed 2024-09-24) and L3, L6 (withdrawn): 5, all due by
    # 2024-10-07. The completers' bootcamp aims hold WMCA1.3 in PSM; the withdrawn ones no code: 3/5 = 60%: red
    row = total(cohort.kpis, "destination_recorded")
    assert row[["cumulative_numerator", "cumulative_denominator", "status"]].tolist() == [3, 5, RED]
    assert members(cohort.kpis, "destination_recorded", NUMERATOR) == ["L1", "L2", "L5"]


def test_cohort_evidence_kpis_not_evaluated(cohort):
    assert cohort.evidence is None
    assert total(cohort.kpis, "new_skills")["status"] == NOT_EVALUATED


def test_positive_outcome_and_destination_from_a_real_case(tmp_path):
    # a 2024-25 return prepared 2025-02-10; bootcamps 2024-05-01 to 2024-07-24: 6-month windows close 2025-01-24.
    # L1: M2 and M3 (positive by M3); L2: PSM WMCA1.3 (positive destination, paid employment); L3: PSM WMCA5.0
    # (looking for work: not positive); L4 ends 2024-10-31: window open, not counted.
    # positive outcome: 2/3 = 66.7%: amber (within 5 points of 70%).
    negative = {"completed": True}
    case = {"prepared": D(2025, 2, 10), "year": "2024-25", "learner": {"ULN": uln(1)},
            "bootcamp": {"completed": True}, "m2": {}, "m3": {},
            "other_learners": [
                learner(2, bootcamp={"completed": True}),
                learner(3, bootcamp={**negative, "ProviderSpecDeliveryMonitoring": [
                    {"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "WMCA5.0"}]}),
                learner(4, bootcamp={"completed": True, "LearnStartDate": D(2024, 8, 5),
                                     "LearnPlanEndDate": D(2024, 10, 31)})]}
    folder = write_case(case, tmp_path / "case")
    r = open_case([folder], progress=False).kpis
    row = total(r, "positive_outcome_rate")
    assert row[["cumulative_numerator", "cumulative_denominator", "status"]].tolist() == [2, 3, AMBER]
    assert members(r, "positive_outcome_rate", NUMERATOR) == ["L1", "L2"]


def test_destination_recorded_from_dp_outcomes(tmp_path):
    # 2023-24 R14 (prepared 2024-10-07); L1 and L2 completed 2024-07-24 without a PSM code (2-month window closes
    # 2024-09-24). L1's DPOutcome was collected 2024-09-02 (within 2 months), L2's on 2024-10-01 (too late): 1/2.
    no_code = {"completed": True, "ProviderSpecDeliveryMonitoring": None}
    case = {"prepared": D(2024, 10, 7), "learner": {"ULN": uln(1)}, "bootcamp": no_code,
            "other_learners": [learner(2, bootcamp=no_code)],
            "destinations": [
                {"LearnRefNumber": "L1", "ULN": uln(1), "DPOutcome": [
                    {"OutType": "EMP", "OutCode": 1, "OutStartDate": D(2024, 8, 1), "OutCollDate": D(2024, 9, 2)}]},
                {"LearnRefNumber": "L2", "ULN": uln(2), "DPOutcome": [
                    {"OutType": "EMP", "OutCode": 1, "OutStartDate": D(2024, 8, 1), "OutCollDate": D(2024, 10, 1)}]}]}
    folder = write_case(case, tmp_path / "case")
    r = open_case([folder], progress=False).kpis
    row = total(r, "destination_recorded")
    assert row[["cumulative_numerator", "cumulative_denominator"]].tolist() == [1, 2]


# -- the samples ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def samples(samples_case):
    return samples_case


def test_samples_frames_match_their_schemas(samples):
    KPI_VALUES.schema.validate(samples.kpis.values)
    KPI_MEMBERS.schema.validate(samples.kpis.members)
    assert samples.evidence is not None and samples.employers is not None


def test_samples_members_consistency(samples):
    """Every value's members: numerator members are denominator members, and the counts equal the value's
    numerator and denominator, for each month and cumulatively."""
    r = samples.kpis
    m = r.members
    key = ["ukprn", "bootcamp_aim", "kpi", "month"]
    who = ["learn_ref_number", "aim_seq_number", "return_id", "employer_id"]
    per_aim = m.copy()
    totals = m[m["bootcamp_aim"] != ALL_AIMS].assign(bootcamp_aim=ALL_AIMS)
    expanded = pd.concat([per_aim, totals], ignore_index=True)
    counts = expanded.groupby([*key, "role"]).size().unstack("role", fill_value=0).reset_index()
    v = r.values.merge(counts, on=key, how="left").fillna({"numerator_y": 0, "denominator_y": 0})
    counted = v["numerator_x"].notna()
    assert (v.loc[counted, "numerator_x"] == v.loc[counted, "numerator_y"]).all()
    rates = v["denominator_x"].notna()
    assert (v.loc[rates, "denominator_x"] == v.loc[rates, "denominator_y"]).all()
    # numerator members are a subset of the denominator members of the same row (rates only)
    rate_kpis = r.values.loc[r.values["denominator"].notna(), "kpi"].unique()
    rm = m[m["kpi"].isin(rate_kpis)]
    num = rm[rm["role"] == NUMERATOR][[*key, *who]]
    den = rm[rm["role"] == "denominator"][[*key, *who]]
    missing = num.merge(den, on=[*key, *who], how="left", indicator=True)
    assert (missing["_merge"] == "both").all()
    # cumulative: members_of(..., cumulative=True) counts equal the cumulative columns
    for row in r.latest().sample(20, random_state=1).itertuples(index=False):
        drilled = r.members_of(row.ukprn, row.bootcamp_aim, row.kpi, row.month, cumulative=True)
        if not pd.isna(row.cumulative_numerator):
            assert (drilled["role"] == NUMERATOR).sum() == row.cumulative_numerator
        if not pd.isna(row.cumulative_denominator):
            assert (drilled["role"] == "denominator").sum() == row.cumulative_denominator


def test_samples_planted_co_funding_problems_are_the_non_compliant_aims(samples):
    # PLANTED.md: FLD0104 (no contribution recorded), CBC0117 ('Contribution 30%' not accepted), CBC0079 (paid half),
    # TFT0045 (Contribution 10 but a large employer): exactly the co-funded aims outside the numerator
    m = samples.kpis.members
    co = m[m["kpi"] == "co_funding_compliance"]
    den = set(co.loc[co["role"] == "denominator", "learn_ref_number"])
    num = set(co.loc[co["role"] == NUMERATOR, "learn_ref_number"])
    assert den - num == {"FLD0104", "CBC0117", "CBC0079", "TFT0045"}


def test_samples_planted_destination_problems_are_not_recorded(samples):
    # PLANTED.md: CBC0054 has the unknown code WMCA21.4 and TFT0014 no code at all
    m = samples.kpis.members
    d = m[m["kpi"] == "destination_recorded"]
    missing = set(d.loc[d["role"] == "denominator", "learn_ref_number"]) - set(
        d.loc[d["role"] == NUMERATOR, "learn_ref_number"])
    assert missing == {"CBC0054", "TFT0014"}


def test_samples_provider_without_contract_earns_no_m1(samples):
    # Meadowlark (10090009) has no contract (W5_UKPRN_01 no-pay): 8 starts, no M1, nothing due after
    r = samples.kpis
    assert total(r, "starts", ukprn=10090009)["cumulative_value"] == 8
    assert total(r, "m1_achieved", ukprn=10090009)["cumulative_value"] == 0
    assert total(r, "drop_out_rate", ukprn=10090009)["status"] == NOT_EVALUATED


def test_samples_golden_values(samples, golden):
    golden("kpis/samples_values.csv", samples.kpis.values, date_format="%Y-%m-%d", float_format="%.6f")


def test_kpi_chart_draws_the_target(samples):
    fig = kpi_chart(samples.kpis.values, 10090001, "drop_out_rate")
    names = {t.name for t in fig.data}
    assert {"all", "Z0009501"} <= names
    assert any(s.line.dash == "dash" for s in fig.layout.shapes)
    point = fig.data[0].customdata[0]
    assert samples.kpis.members_of(int(point[0]), point[1], point[2], point[3]).shape[0] > 0


# -- command line ---------------------------------------------------------------------------------------------------

def test_cli_csv(tmp_path):
    out = tmp_path / "kpis.csv"
    res = CliRunner().invoke(main, ["kpis", str(SAMPLES), "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(KPI_VALUES.schema.columns)
    assert set(frame["kpi"]) == set(KPI_IDS)
    assert "KPI values" in res.output


def test_cli_table_and_json(samples, commands_open):
    # the same computation as test_cli_csv: reuse the samples' result
    commands_open(samples)
    res = CliRunner().invoke(main, ["kpis", str(SAMPLES)])
    assert res.exit_code == 0, res.output
    assert "Provider 10090001 (as of 2025-04-04)" in res.output and "drop_out_rate" in res.output
    res = CliRunner().invoke(main, ["kpis", str(SAMPLES), "--format", "json"])
    rows = json.loads(res.output)
    assert {"ukprn", "kpi", "month", "status"} <= set(rows[0])


def test_cli_without_evidence_reports_not_evaluated(tmp_path):
    folder = write_case({"bootcamp": {"completed": True}, "prepared": D(2024, 10, 7)}, tmp_path / "case")
    res = CliRunner().invoke(main, ["kpis", str(folder)])
    assert res.exit_code == 0, res.output
    assert "not-evaluated" in res.output and "evidence not loaded" in res.output


def test_cli_trends_and_changes_exclusive():
    res = CliRunner().invoke(main, ["kpis", str(SAMPLES), "--trends", "--changes"])
    assert res.exit_code != 0 and "cannot be combined" in res.output


def test_cli_help_ends_with_example():
    res = CliRunner().invoke(main, ["kpis", "--help"])
    assert res.exit_code == 0
    assert "Example: auditkit kpis samples" in res.output


def test_co_funding_compliance_compares_employer_ids_as_text_and_never_pairs_empty_ids(tmp_path):
    """L1's EmpId 900000002 is the register's ``0900000002`` (large): Contribution 10 is wrong. L2 has no EmpId
    and its payment names the SME: Contribution 10 is right; the register's row without an id (large) must not be
    taken for L2's employer."""
    from tests.rules.case import write_case
    from tests.test_evidence_checks import PREPARED, documents, learner, write_manifest, write_manifest_register

    case = {**learner("L1", 1, cofunded="Contribution 10", employer_id=900000002), "prepared": PREPARED,
            "other_learners": [learner("L2", 2, cofunded="Contribution 10", employer_id=None)]}
    folder = write_case(case, tmp_path / "case")
    write_manifest(folder / "manifest.csv", documents("L1", ltype="co-funded", employer="", rate=10)
                   + documents("L2", ltype="co-funded", employer="Small Co Ltd", rate=10))
    write_manifest_register(folder / "employers.csv", [
        {"employer_id": "0900000002", "name": "Big Co plc", "size": "large", "roles": "own-staff"},
        {"employer_id": "", "name": "Nameless Works Ltd", "size": "large", "roles": ""},
        {"employer_id": "E3", "name": "Small Co Ltd", "size": "sme", "roles": "own-staff"}])
    result = open_case([folder], progress=False).kpis
    assert members(result, "co_funding_compliance", "denominator") == ["L1", "L2"]
    assert members(result, "co_funding_compliance", NUMERATOR) == ["L2"]
