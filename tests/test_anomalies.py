"""The anomaly detectors: each fires on a small generated case built to show its pattern and stays quiet on the
same case without it (cases are written as ILR files and read back, see tests/rules/case.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit.anomalies import AnomalyInputs, detector, get_detectors, run_detectors
from auditkit.frames.anomalies import ANOMALIES
from auditkit.measures.kpis import KPIResult
from auditkit.reference.uln import check_digit
from tests.rules.case import UKPRN, case_context

D = dt.date


def uln(i: int) -> str:
    nine = f"{200000000 + i * 7:09d}"
    while check_digit(nine) is None:
        nine = f"{int(nine) + 1:09d}"
    return nine + str(check_digit(nine))


def learner(i: int, start: dt.date | None = None, **bootcamp: Any) -> dict[str, Any]:
    """Learner ``L<i>`` with its own ULN, e-mail and phone, on the base bootcamp (started ``start``)."""
    spec: dict[str, Any] = {"learner": {"LearnRefNumber": f"L{i}", "ULN": uln(i), "TelNo": f"0121496{i:04d}",
                                        "Email": f"learner{i}@example.com"}}
    if start is not None:
        bootcamp = {"LearnStartDate": start, "LearnPlanEndDate": start + dt.timedelta(days=84), **bootcamp}
    if bootcamp:
        spec["bootcamp"] = bootcamp
    return spec


def context(tmp_path: Path, others: list[dict[str, Any]], **case: Any):
    base = learner(1)
    return case_context({**base, "other_learners": others, **case}, tmp_path)


def run(ctx, ids: list[str], **given: Any) -> pd.DataFrame:
    out = run_detectors(AnomalyInputs(ctx, **given), ids)
    ANOMALIES.validate(out)
    return out


def learners_of(out: pd.DataFrame) -> set[str]:
    return set(out["learn_ref_number"].dropna())


# -- AN_START_01 -------------------------------------------------------------------------------------------------

def _starts(late: int) -> list[dict[str, Any]]:
    """24 starts every two weeks from April 2024, then ``late`` in the last 10 days of the contract window."""
    spread = [learner(i, D(2024, 4, 8) + dt.timedelta(days=13 * (i - 2))) for i in range(2, 26)]
    return spread + [learner(100 + i, D(2025, 3, 22) + dt.timedelta(days=i % 10)) for i in range(late)]


def test_late_starts_fire_on_a_bunch_before_the_window_closes(tmp_path):
    out = run(context(tmp_path, _starts(8), prepared=D(2025, 4, 4), year="2024-25"), ["AN_START_01"])
    assert learners_of(out) == {f"L{100 + i}" for i in range(8)}
    assert (out["score"] > 0.75).all() and out["field"].eq("LearnStartDate").all()
    assert "One of 8 starts in the last 14 days before the contract window closes (2025-03-31)" in out["message"][0]
    assert "Poisson" in out["evidence"][0]


def test_late_starts_stay_quiet_at_the_providers_own_rate(tmp_path):
    assert run(context(tmp_path, _starts(1), prepared=D(2025, 4, 4), year="2024-25"), ["AN_START_01"]).empty


# -- AN_END_01 ---------------------------------------------------------------------------------------------------

def _ends(days: list[int]) -> list[dict[str, Any]]:
    """Completed bootcamps planned for 100 days that ended after these many days."""
    start = D(2024, 4, 2)
    return [learner(i + 2, start, LearnPlanEndDate=start + dt.timedelta(days=100),
                    LearnActEndDate=start + dt.timedelta(days=d), CompStatus=2, Outcome=1)
            for i, d in enumerate(days)]


def test_ends_at_the_threshold_fire_on_a_spike_at_80_percent(tmp_path):
    out = run(context(tmp_path, _ends([55, 62, 70, 80, 80, 80, 91, 100, 100]), prepared=D(2024, 10, 7)),
              ["AN_END_01"])
    assert learners_of(out) == {"L5", "L6", "L7"}
    assert out["value"].eq("80.0%").all() and (out["score"] > 0.5).all()


def test_ends_at_the_threshold_stay_quiet_without_a_spike(tmp_path):
    # one at 80%, and 79% (just short: no M2) does not count
    out = run(context(tmp_path, _ends([55, 62, 70, 79, 79, 80, 91, 100]), prepared=D(2024, 10, 7)), ["AN_END_01"])
    assert out.empty


# -- AN_DATE_01 (on a milestones frame as auditkit.funding gives it) ----------------------------------------------

def _milestones(m2_days: list[str], ends: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"ukprn": UKPRN, "learn_ref_number": [f"L{i}" for i in range(len(m2_days))],
                         "uln": "1000000019", "aim_seq_number": 1, "milestone": "M2", "claimed": True,
                         "milestone_date": pd.to_datetime(m2_days), "learn_act_end_date": pd.to_datetime(ends)})


@pytest.fixture(scope="module")
def small_ctx(tmp_path_factory):
    return case_context(learner(1), tmp_path_factory.mktemp("small"))


def test_same_day_milestones_fire_for_learners_who_ended_on_different_days(small_ctx):
    ends = ["2024-10-01", "2024-10-08", "2024-10-15", "2024-10-22", "2024-10-29", "2024-11-05"]
    out = run(small_ctx, ["AN_DATE_01"], milestones=_milestones(["2024-11-29"] * 6, ends))
    assert len(out) == 6 and out["field"].eq("M2 date").all()
    assert out["score"].round(3).eq(round(0.6 * (1 - 1 / 6), 3)).all()
    assert "like 5 other learners of the provider, whose bootcamps ended on 6 different days" in out["message"][0]


def test_same_day_milestones_stay_quiet_for_a_cohort_or_a_few(small_ctx):
    cohort = _milestones(["2024-11-29"] * 6, ["2024-11-22"] * 6)
    few = _milestones(["2024-11-29"] * 4, ["2024-10-01", "2024-10-08", "2024-10-15", "2024-10-22"])
    assert run(small_ctx, ["AN_DATE_01"], milestones=cohort).empty
    assert run(small_ctx, ["AN_DATE_01"], milestones=few).empty


# -- AN_OFFER_01 / AN_OFFER_02 ------------------------------------------------------------------------------------

def _offers(kingsway: int) -> list[dict[str, Any]]:
    rows = [{"learn_ref_number": f"L{i}", "evidence_type": "job_offer", "document_date": D(2024, 9, 1),
             "employer": "Kingsway Freight Ltd"} for i in range(2, 2 + kingsway)]
    return rows + [{"learn_ref_number": f"L{20 + i}", "evidence_type": "job_offer", "document_date": D(2024, 9, 1),
                    "employer": f"Employer {i} Ltd"} for i in range(8)]


def _offer_case(tmp_path: Path, kingsway: int):
    others = [learner(i) for i in range(2, 2 + kingsway)] + [learner(20 + i) for i in range(8)]
    return context(tmp_path, others, evidence=_offers(kingsway), prepared=D(2024, 10, 7))


def test_offers_from_one_employer_fire_when_it_stands_out(tmp_path):
    out = run(_offer_case(tmp_path, 6), ["AN_OFFER_01"])
    assert learners_of(out) == {f"L{i}" for i in range(2, 8)}
    assert out["value"].eq("Kingsway Freight Ltd").all()
    assert out["score"].round(3).eq(round(1 - 1 / 6, 3)).all()
    assert "modified z" in out["evidence"][0]


def test_offers_from_one_employer_stay_quiet_below_five_learners(tmp_path):
    assert run(_offer_case(tmp_path, 3), ["AN_OFFER_01"]).empty


def test_offers_from_the_provider_or_a_co_funder_fire_and_own_co_funder_does_not(tmp_path):
    evidence = [
        {"learn_ref_number": "L1", "evidence_type": "interview_offer", "document_date": D(2024, 8, 1),
         "employer": "FIXTURE TRAINING LIMITED"},  # the provider itself (names compare loosely)
        {"learn_ref_number": "L2", "evidence_type": "employer_contribution_invoice", "document_date": D(2024, 4, 5),
         "employer": "Acme Data Ltd", "amount": "1050.00"},
        {"learn_ref_number": "L2", "evidence_type": "interview_offer", "document_date": D(2024, 8, 1),
         "employer": "Acme Data Ltd"},  # its own co-funder: not counted
        {"learn_ref_number": "L3", "evidence_type": "job_offer", "document_date": D(2024, 9, 1),
         "employer": "Acme Data Ltd"},  # co-funds L2's place
        {"learn_ref_number": "L4", "evidence_type": "job_offer", "document_date": D(2024, 9, 1),
         "employer": "Brindley Loop Bank plc"},
    ]
    out = run(context(tmp_path, [learner(i) for i in (2, 3, 4)], evidence=evidence, prepared=D(2024, 10, 7)),
              ["AN_OFFER_02"])
    assert dict(zip(out["learn_ref_number"], out["score"], strict=True)) == {"L1": 1.0, "L3": 0.6}
    assert "the provider itself" in out.set_index("learn_ref_number").loc["L1", "message"]


# -- AN_ULN_01 ---------------------------------------------------------------------------------------------------

def _uln_case(tmp_path: Path, same: bool):
    moved = learner(1)["learner"]["ULN"] if same else uln(99)
    other = {"ukprn": 10000002, "year": "2024-25", "prepared": D(2025, 4, 4), "learners": [
        {"learner": {"LearnRefNumber": "X1", "ULN": moved},
         "bootcamp": {"LearnStartDate": D(2024, 9, 2), "LearnPlanEndDate": D(2024, 11, 25)}}]}
    return context(tmp_path, [], bootcamp={"CompStatus": 3, "LearnActEndDate": D(2024, 6, 1), "WithdrawReason": 40},
                   extra_returns=[other], prepared=D(2024, 10, 7))


def test_a_uln_at_two_providers_fires_for_both_and_scores_the_restart_higher(tmp_path):
    out = run(_uln_case(tmp_path, True), ["AN_ULN_01"])
    assert dict(zip(out["learn_ref_number"], out["score"], strict=True)) == {"L1": 0.5, "X1": 0.75}
    assert "after a withdrawal at another provider" in out.set_index("learn_ref_number").loc["X1", "message"]


def test_different_ulns_at_two_providers_do_not_fire(tmp_path):
    assert run(_uln_case(tmp_path, False), ["AN_ULN_01"]).empty


# -- AN_CONTACT_01 -----------------------------------------------------------------------------------------------

def _shared_phone(tmp_path: Path, sharing: int):
    others = [learner(i) for i in range(2, 8)]
    for spec in others[: sharing - 1]:
        spec["learner"]["TelNo"] = "447700900123"  # +44 read as 0
    first = {**learner(1)["learner"], "TelNo": "07700900123"}
    return case_context({"learner": first, "other_learners": others}, tmp_path)


def test_a_phone_shared_by_four_learners_fires_without_showing_it(tmp_path):
    out = run(_shared_phone(tmp_path, 4), ["AN_CONTACT_01"])
    assert learners_of(out) == {"L1", "L2", "L3", "L4"} and out["field"].eq("TelNo").all()
    assert out["message"].eq("Shares a phone number with 3 other learners (at 1 provider(s)).").all()
    text = out.to_csv()
    assert "900123" not in text and "7700" not in text and out["value"].isna().all()


def test_a_phone_shared_by_three_learners_does_not_fire(tmp_path):
    assert run(_shared_phone(tmp_path, 3), ["AN_CONTACT_01"]).empty


def test_contact_hashes_are_salted_per_run():
    from auditkit.anomalies.rows import Salt

    values = pd.Series(["07700900123", None])
    a, b = Salt().hash(values), Salt().hash(values)
    assert a[0] != b[0] and pd.isna(a[1])
    assert a[0] != __import__("hashlib").sha256(b"07700900123").hexdigest()


# -- AN_CHANGE_01 (two returns of one provider and year, read from ILR files) -------------------------------------

def _change_case(tmp_path: Path, later_postcode: str):
    later = {"ukprn": UKPRN, "year": "2023-24", "prepared": D(2024, 10, 7), "learners": [
        {"learner": {"Postcode": later_postcode}}]}
    return context(tmp_path, [], learner={"Postcode": "S1 2HE"}, extra_returns=[later])


def test_a_postcode_moved_into_the_area_between_returns_fires(tmp_path):
    ctx = _change_case(tmp_path, "B15 2TT")
    out = run(ctx, ["AN_CHANGE_01"])
    assert len(out) == 1 and out["field"][0] == "Postcode" and out["score"][0] == 0.9
    assert "from district S1 to B15, into the WMCA area" in out["message"][0]
    assert "2TT" not in out.to_csv() and "2HE" not in out.to_csv()


def test_an_unchanged_postcode_does_not_fire(tmp_path):
    assert run(_change_case(tmp_path, "S1 2HE"), ["AN_CHANGE_01"]).empty


# -- AN_KPI_01 (on KPI values as auditkit.measures.kpis gives them) -----------------------------------------------

def _kpis(rates: list[float]) -> KPIResult:
    values = pd.DataFrame({"ukprn": [10000001 + i for i in range(len(rates))], "bootcamp_aim": "all",
                           "kpi": "completion_rate", "month": "2025-03", "cumulative_value": rates})
    return KPIResult(values=values, members=pd.DataFrame())


def test_a_provider_far_from_its_peers_on_a_kpi_fires(small_ctx):
    out = run(small_ctx, ["AN_KPI_01"], kpis=_kpis([0.61, 0.64, 0.66, 0.63, 0.98]))
    assert out["ukprn"].tolist() == [10000005] and out["learn_ref_number"].isna().all()
    assert out["score"][0] == 1.0 and "far above the providers' median 64.0%" in out["message"][0]


def test_kpis_close_together_or_too_few_peers_do_not_fire(small_ctx):
    assert run(small_ctx, ["AN_KPI_01"], kpis=_kpis([0.61, 0.64, 0.66, 0.63, 0.70])).empty
    assert run(small_ctx, ["AN_KPI_01"], kpis=_kpis([0.61, 0.64, 0.98])).empty


# -- AN_PDF_01 ---------------------------------------------------------------------------------------------------

def _letters(tmp_path: Path, minutes_apart: int):
    when = dt.datetime(2024, 9, 2, 14, 2)
    evidence = [{"learn_ref_number": f"L{i + 2}", "evidence_type": "job_offer", "document_date": D(2024, 9, 1),
                 "employer": f"Employer {i} Ltd",
                 "pdf_created": f"D:{when + dt.timedelta(minutes=minutes_apart * i):%Y%m%d%H%M%S}"}
                for i in range(4)]
    return context(tmp_path, [learner(i) for i in range(2, 6)], evidence=evidence, prepared=D(2024, 10, 7))


def test_letters_from_different_employers_made_within_minutes_fire(tmp_path):
    out = run(_letters(tmp_path, 4), ["AN_PDF_01"])
    assert learners_of(out) == {"L2", "L3", "L4", "L5"} and out["score"].eq(0.75).all()
    assert "within 12 minutes of letters from 3 other employers" in out["message"][0]


def test_letters_made_hours_apart_do_not_fire(tmp_path):
    assert run(_letters(tmp_path, 90), ["AN_PDF_01"]).empty


# -- the registry --------------------------------------------------------------------------------------------------

def test_every_detector_is_documented_with_the_four_headings():
    dets = get_detectors()
    assert len(dets) >= 10
    for d in dets:
        for heading in ("What it checks", "Why it matters", "Example", "Limits"):
            assert d.section(heading), (d.id, heading)


@pytest.mark.parametrize("ident, doc", [("AN_bad", "**What it checks** **Why it matters** **Example** **Limits**"),
                                        ("AN_NEW_99", "**What it checks** **Why it matters** **Example**")])
def test_the_registry_refuses_a_bad_id_or_a_missing_heading(ident, doc):
    def func(inp):
        return pd.DataFrame()

    func.__doc__ = doc
    with pytest.raises(ValueError):
        detector(ident, reads=["x"])(func)


def test_an_unknown_detector_id_is_named():
    with pytest.raises(ValueError, match="AN_NOPE_01"):
        get_detectors(["AN_NOPE_01"])
