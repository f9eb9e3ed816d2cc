"""The detectors on the shipped samples find the planted patterns (samples/PLANTED.md, "Suspicious patterns for
analysts") and nothing on the providers without them; risk scores, their commands and their docs."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.anomalies import DEFAULT_WEIGHTS, risk_scores
from auditkit.anomalies.docs import anomalies_markdown
from auditkit.anomalies.registry import all_detectors
from auditkit.cli import main
from auditkit.frames.anomalies import ANOMALIES, CONTRIBUTIONS
from auditkit.sampling.population import population

ROOT = Path(__file__).resolve().parents[1]
PLANTED = pd.read_csv(ROOT / "samples" / "planted.csv", dtype=str)
#: Each planted pattern and the detector that must find it.
PATTERNS = {"PAT_LATE_STARTS": "AN_START_01", "PAT_END_AT_80PCT": "AN_END_01", "PAT_EMPLOYER_OFFERS": "AN_OFFER_01",
            "PAT_SAME_DAY_M2": "AN_DATE_01", "PAT_SHARED_PHONE": "AN_CONTACT_01",
            "PAT_POSTCODE_MOVED_IN": "AN_CHANGE_01", "PAT_INTERESTED_OFFERS": "AN_OFFER_02",
            "PAT_SHARED_ULN": "AN_ULN_01", "PAT_PDF_BURST": "AN_PDF_01", "PAT_KPI_DROP_OUT": "AN_KPI_01"}
#: The least score each pattern's rows reach (the detectors' documented scores for the planted sizes).
MIN_SCORE = {"PAT_LATE_STARTS": 0.5, "PAT_END_AT_80PCT": 0.5, "PAT_EMPLOYER_OFFERS": 0.5,
             "PAT_SAME_DAY_M2": 0.4, "PAT_SHARED_PHONE": 0.5, "PAT_POSTCODE_MOVED_IN": 0.9,
             "PAT_INTERESTED_OFFERS": 0.6, "PAT_SHARED_ULN": 0.5, "PAT_PDF_BURST": 0.75, "PAT_KPI_DROP_OUT": 0.5}
#: Detectors the samples plant nothing for (each must then stay quiet).
UNPLANTED: set[str] = set()
#: Patterns of a provider, not of learners: planted.csv names the provider only, the detector gives provider rows.
PROVIDER_PATTERNS = {"PAT_KPI_DROP_OUT"}


def keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    lrn = frame["learn_ref_number"].astype("string").fillna("")
    return set(zip(frame["ukprn"].astype(str), lrn, strict=True))


@pytest.mark.parametrize("pattern, detector", PATTERNS.items())
def test_each_planted_pattern_is_found_exactly_by_its_detector(samples_case, pattern, detector):
    planted = PLANTED[PLANTED["check_id"] == pattern]
    assert len(planted) >= (1 if pattern in PROVIDER_PATTERNS else 3) and (planted["kind"] == "pattern").all()
    assert planted["description"].str.endswith(f"Detected by {detector}.").all()  # PLANTED.md names the detector
    found = samples_case.anomalies[samples_case.anomalies["rule_id"] == detector]
    assert keys(found) == keys(planted)  # every planted learner, and no learner of a clean provider
    if pattern in PROVIDER_PATTERNS:
        assert planted["learn_ref_number"].isna().all() and found["learn_ref_number"].isna().all()
    assert (found["score"] >= MIN_SCORE[pattern] - 1e-9).all()


def test_every_detector_has_a_planted_pattern_or_stays_quiet(samples_case):
    registered = {d.id for d in all_detectors()}
    assert registered == set(PATTERNS.values()) | UNPLANTED
    assert set(samples_case.anomalies["rule_id"]) == set(PATTERNS.values())


def test_patterns_do_not_share_learners_except_with_their_rule_plants():
    patterns = PLANTED[PLANTED["kind"] == "pattern"]
    assert not patterns.duplicated(["ukprn", "learn_ref_number"]).any()
    rules = keys(PLANTED[PLANTED["kind"].isin(["rule", "evidence"])])
    # only the patterns made from rule plants name rule-planted learners
    named = patterns[patterns.apply(lambda r: (r["ukprn"], r["learn_ref_number"]) in rules, axis=1)]
    assert set(named["check_id"]) == {"PAT_INTERESTED_OFFERS", "PAT_SHARED_ULN"}
    ev = keys(PLANTED[PLANTED["check_id"] == "EV_EMP_02"])
    uln = keys(PLANTED[PLANTED["check_id"].isin(["W5_M1_01", "W5_COMP_03"])])
    assert ev < keys(patterns[patterns["check_id"] == "PAT_INTERESTED_OFFERS"])
    assert uln < keys(patterns[patterns["check_id"] == "PAT_SHARED_ULN"])


def test_the_patterns_providers_are_the_only_ones_the_pattern_detectors_name(samples_case):
    a = samples_case.anomalies
    assert set(a.loc[a["rule_id"] == "AN_START_01", "ukprn"]) == {10090002}
    assert set(a.loc[a["rule_id"] == "AN_END_01", "ukprn"]) == {10090002, 10090003}
    for detector, ukprn in (("AN_DATE_01", 10090003), ("AN_CONTACT_01", 10090001), ("AN_CHANGE_01", 10090002),
                            ("AN_PDF_01", 10090001)):
        assert set(a.loc[a["rule_id"] == detector, "ukprn"]) == {ukprn}, detector
    contracted = set(samples_case.context.contract_table()["ukprn"])
    assert {10090001, 10090003} <= contracted  # clean providers for AN_START_01 were assessed, not skipped


def test_the_kpi_outlier_is_the_drop_out_rate_among_five_peers(samples_case):
    kpi = samples_case.anomalies[samples_case.anomalies["rule_id"] == "AN_KPI_01"]
    assert list(kpi["field"]) == ["drop_out_rate"] and set(kpi["ukprn"]) == {10090005}
    assert kpi["evidence"].str.contains("among 5 providers").all()  # the four clean contracted providers are peers


def test_the_pdf_burst_is_read_from_the_shipped_files(samples_case):
    burst = samples_case.anomalies[samples_case.anomalies["rule_id"] == "AN_PDF_01"]
    assert burst["evidence"].str.contains("QuickLetter Studio").all()
    ev = samples_case.context.evidence.evidence
    made = ev[ev["pdf_producer"].astype("string").str.startswith("QuickLetter").fillna(False)]
    assert keys(made) == keys(burst) and len(made) == len(burst)  # the producer comes from the PDFs themselves
    assert made["file"].astype(str).str.endswith(".pdf").all()
    assert made["pdf_created"].max() - made["pdf_created"].min() <= pd.Timedelta(minutes=20)


def test_the_anomalies_frame_is_declared_and_shows_no_personal_value(samples_case):
    ANOMALIES.validate(samples_case.anomalies)
    learners = samples_case.context.learners
    text = samples_case.anomalies.to_csv()
    for column in ("family_name", "tel_no", "email", "add_line1", "ni_number"):
        values = learners[column].dropna().astype(str)
        assert not any(v in text for v in values if len(v) > 4), column


def test_risk_scores_add_documented_points_and_explain_them():
    findings = pd.DataFrame({"rule_id": ["W5_A_01", "W5_A_01", "W5_B_01", "W5_C_01"],
                             "severity": ["no-pay", "no-pay", "warning", "not-evaluated"],
                             "ukprn": [1, 1, 1, 1], "learn_ref_number": ["L1", "L1", "L2", None],
                             "message": ["a", "a again", "b", "c"]})
    anomalies = pd.DataFrame({"rule_id": ["AN_X_01", "AN_Y_01"], "severity": "warning", "ukprn": [1, 1],
                              "learn_ref_number": ["L1", None], "score": [0.5, 1.0], "message": ["x", "y"]})
    risk = risk_scores(findings, anomalies, learners=pd.DataFrame({"ukprn": [1, 1, 1],
                                                                    "learn_ref_number": ["L1", "L2", "L3"]}))
    learners = risk.learners.set_index("learn_ref_number")
    # L1: the no-pay rule once (1.0, not 2.0) + 0.75 x 0.5 for the anomaly
    assert learners.loc["L1", "points"] == pytest.approx(1.0 + 0.375)
    assert learners.loc["L1", "risk_score"] == pytest.approx(1 - math.exp(-1.375))
    assert learners.loc["L1", "top"] == "W5_A_01, AN_X_01"
    assert learners.loc["L2", "points"] == pytest.approx(0.2) and learners.loc["L3", "risk_score"] == 0
    CONTRIBUTIONS.validate(risk.contributions)
    per = risk.contributions.groupby("learn_ref_number")["points"].sum()
    assert per.to_dict() == pytest.approx(learners["points"][learners["points"] > 0].to_dict())
    mine = risk.of_learner(1, "L1")
    assert mine["id"].tolist() == ["W5_A_01", "AN_X_01"] and mine["points"].sum() == pytest.approx(1.375)
    assert risk.of_learner(1, "L9").empty and risk.of_learner(2, "L1").empty
    provider = risk.providers.iloc[0]
    assert provider["provider_points"] == pytest.approx(0.75)  # the provider-level anomaly; not-evaluated adds 0
    assert provider["points"] == pytest.approx((1.375 + 0.2 + 0) / 3 + 0.75)
    heavier = risk_scores(findings, anomalies, {**DEFAULT_WEIGHTS, "warning": 1.0})
    assert heavier.learners.set_index("learn_ref_number").loc["L2", "points"] == 1.0
    with pytest.raises(ValueError, match="anomaly"):
        risk_scores(findings, anomalies, {"no-pay": 1.0, "error": 1.0, "warning": 1.0})


def test_risk_scores_on_the_samples_rank_planted_learners_first_and_stratify_a_sample(samples_case):
    risk = samples_case.risk
    assert risk.learners["risk_score"].between(0, 1).all()
    assert len(risk.learners) == len(samples_case.context.learners.drop_duplicates(["ukprn", "learn_ref_number"]))
    clean = risk.learners[risk.learners["points"] == 0]
    assert len(clean) > 100
    late = risk.learners[risk.learners["top"].str.contains("AN_START_01")]
    assert len(late) == 22 and (late["risk_score"] > 0).all()
    units = population(samples_case.milestones, samples_case.raw_findings, risk=risk.learners)
    assert units["risk_score"].notna().all() and (units["risk_score"] > 0).any()


def test_anomalies_command_gives_csv_and_json(samples_case, commands_open):
    commands_open(samples_case)
    result = CliRunner().invoke(main, ["anomalies", "samples", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output), dtype=str)
    assert list(frame.columns) == [f.column for f in ANOMALIES.fields] and len(frame) == len(samples_case.anomalies)
    result = CliRunner().invoke(main, ["anomalies", "samples", "--format", "json", "--detector", "AN_END_01"])
    rows = json.loads(result.output)
    assert {r["rule_id"] for r in rows} == {"AN_END_01"} and len(rows) == 5
    table = CliRunner().invoke(main, ["anomalies", "samples"]).output
    assert "By detector and provider:" in table and "AN_START_01" in table


def test_anomalies_command_names_an_unknown_detector():
    result = CliRunner().invoke(main, ["anomalies", "samples", "--detector", "AN_NOPE_01"])
    assert result.exit_code == 2 and "AN_NOPE_01" in result.output


def test_risk_command_by_learner_and_provider(samples_case, commands_open):
    commands_open(samples_case)
    result = CliRunner().invoke(main, ["risk", "samples", "--by", "provider", "--format", "csv"])
    frame = pd.read_csv(io.StringIO(result.output))
    assert set(frame["ukprn"]) == {10090001, 10090002, 10090003, 10090004, 10090005, 10090009}
    assert frame["risk_score"].is_monotonic_decreasing
    table = CliRunner().invoke(main, ["risk", "samples", "--top", "3"]).output
    assert "the 3 highest of" in table and "adds most:" in table
    contributions = CliRunner().invoke(main, ["risk", "samples", "--by", "contributions", "--format", "csv"]).output
    assert pd.read_csv(io.StringIO(contributions))["points"].gt(0).all()


def test_anomalies_doc_is_up_to_date():
    on_disk = (ROOT / "docs" / "anomalies.md").read_text(encoding="utf-8")
    assert on_disk == anomalies_markdown(), "docs/anomalies.md is stale: run `auditkit docs`"
