"""Golden: on the shipped samples the EV checks find exactly the planted evidence problems, the readers exactly the
planted bad manifest rows; the per-learner evidence view on sample learners; ``auditkit check`` with evidence."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import open_case
from auditkit.case.inputs import evidence_inputs
from auditkit.cli import main
from auditkit.readers.evidence import STAGES
from auditkit.views.evidence import STAGE_COLUMNS, evidence_view

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def result(samples_case):
    return samples_case


def planted(kind: str) -> list[dict[str, str]]:
    with open(SAMPLES / "planted.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["kind"] == kind]


def test_check_finds_the_case_evidence_by_convention(result):
    assert result.files.manifest == SAMPLES / "evidence" / "manifest.csv"
    assert result.files.documents == SAMPLES / "evidence" / "documents"
    assert result.files.employers == SAMPLES / "employers.csv"
    assert result.evidence is not None and result.evidence.employers is not None
    assert len(result.evidence.evidence) > 3000 and (result.evidence.evidence["origin"] == "both").sum() > 500


def test_evidence_findings_are_exactly_the_planted_evidence_problems(result):
    found = result.findings[result.findings["rule_id"].str.startswith("EV_")]
    found = found[found["severity"] != "not-evaluated"]
    got = sorted(zip(found["ukprn"].astype(int).astype(str), found["learn_ref_number"], found["rule_id"],
                     strict=True))
    want = sorted((r["ukprn"], r["learn_ref_number"], r["check_id"]) for r in planted("evidence"))
    assert got == want
    ulns = {(r["ukprn"], r["learn_ref_number"]): r["uln"] for r in planted("evidence")}
    assert all(ulns[(str(u), lrn)] == uln for u, lrn, uln in zip(found["ukprn"], found["learn_ref_number"],
                                                                 found["uln"], strict=True))


def test_evidence_problems_are_exactly_the_planted_bad_manifest_rows(result):
    problems = result.evidence.problems
    got = sorted(zip(problems["ukprn"].astype(int).astype(str), problems["learn_ref_number"], problems["check_id"],
                     problems["row"].astype(int), strict=True))
    want = sorted((r["ukprn"], r["learn_ref_number"], r["check_id"], int(r["description"].split()[1]))
                  for r in planted("manifest"))
    assert got == want
    for r in planted("manifest"):
        reason = r["description"].split(": ", 1)[1]
        row = problems[problems["check_id"] == r["check_id"]].iloc[0]
        assert row["reason"].startswith(reason) and row["file"].endswith("evidence/manifest.csv")


def test_view_of_a_clean_learner_is_complete(result):
    view = evidence_view(result.context, 10090001, "FLD0002")
    assert list(view.stages.columns) == STAGE_COLUMNS and list(view.stages["stage"]) == list(STAGES)
    assert view.learner_type == "self-employed" and view.learn_aim_ref == "Z0009501"
    status = dict(zip(view.stages["stage"], view.stages["status"], strict=True))
    assert status["eligibility"] == status["delivery"] == status["completion"] == "complete"
    assert status["co-funding"] == "not required"
    assert view.stages["missing"].map(len).sum() == 0 and view.stages["suspect"].map(len).sum() == 0
    assert view.findings.empty
    eligibility = view.stages.set_index("stage").loc["eligibility"]
    assert len(eligibility["required"]) == 6 and len(eligibility["present"]) == 6
    assert eligibility["facts"]["LearnStartDate"] == "2024-04-08"


def test_view_shows_a_missing_interview_offer(result):
    view = evidence_view(result.context, 10090001, "FLD0058")
    m2 = view.stages.set_index("stage").loc["M2"]
    assert m2["status"] == "missing" and m2["required"] == ["interview_offer"] and m2["missing"] == ["interview_offer"]
    assert m2["facts"]["M2 aims"].startswith("aim 2 dated ")
    assert list(view.findings["rule_id"]) == ["EV_MISSING_01"]


def test_view_shows_suspect_documents_with_the_checks_that_flag_them(result):
    view = evidence_view(result.context, 10090001, "FLD0041", "Z0009502")
    stages = view.stages.set_index("stage")
    assert stages.loc["M3", "status"] == "suspect"
    assert any(s.startswith("EV_EMP_02: ") and "the provider itself" in s for s in stages.loc["M3", "suspect"])
    offer = view.documents[view.documents["evidence_type"] == "job_offer"].iloc[0]
    assert offer["issues"] == ["EV_EMP_01", "EV_EMP_02"] and offer["file_status"] == "present"
    assert sorted(view.findings["rule_id"]) == ["EV_EMP_01", "EV_EMP_02"]


def test_view_shows_co_funding_facts_and_the_rate_problem(result):
    view = evidence_view(result.context, 10090003, "TFT0045")
    co = view.stages.set_index("stage").loc["co-funding"]
    assert view.learner_type == "co-funded" and co["status"] == "suspect"
    assert co["required"] == ["employer_contribution_invoice", "employer_contribution_payment"]
    assert co["facts"]["contribution (PSM)"] == "Contribution 10"
    assert co["facts"]["employer (register)"] == "Perry Barr Housing Partnership (large)"
    assert co["facts"]["expected contribution"] == "£330.00"
    assert any(s.startswith("EV_MONEY_02: ") for s in co["suspect"])


def test_view_of_a_missing_file_marks_the_document_suspect(result):
    view = evidence_view(result.context, 10090003, "TFT0056")
    completion = view.stages.set_index("stage").loc["completion"]
    assert completion["status"] == "suspect" and any("file missing" in s for s in completion["suspect"])


def test_view_of_an_unknown_learner_is_a_clear_error(result):
    with pytest.raises(ValueError, match="10090001/NOPE"):
        evidence_view(result.context, 10090001, "NOPE")


def test_evidence_option_takes_a_manifest_or_a_folder(tmp_path):
    assert evidence_inputs(SAMPLES / "evidence") == (SAMPLES / "evidence" / "manifest.csv",
                                                     SAMPLES / "evidence" / "documents", None)
    assert evidence_inputs(SAMPLES / "evidence" / "manifest.csv") == (SAMPLES / "evidence" / "manifest.csv",
                                                                     SAMPLES / "evidence" / "documents", None)
    docs = SAMPLES / "evidence" / "documents"
    assert evidence_inputs(docs) == (None, docs, None)
    # the samples folder as a whole, given as --evidence, also gives its employer register
    assert evidence_inputs(SAMPLES) == (SAMPLES / "evidence" / "manifest.csv", SAMPLES / "evidence" / "documents",
                                        SAMPLES / "employers.csv")


def test_cli_check_lists_evidence_findings_and_problems():
    runner = CliRunner()
    table = runner.invoke(main, ["check", str(SAMPLES), "--rule", "EV_REUSE_01", "--rule", "EV_TIMING_03"])
    assert table.exit_code == 0, table.output
    assert "EV_REUSE_01" in table.output and "EV_TIMING_03" in table.output
    assert "Evidence: " in table.output and "MAN_MISSING_FILE" in table.output and "row 4362" in table.output
    docs_only = runner.invoke(main, ["check", str(SAMPLES / "ilr"), "--contracts", str(SAMPLES / "contracts.toml"),
                                     "--evidence", str(SAMPLES / "evidence" / "documents"),
                                     "--employers", str(SAMPLES / "employers.csv"), "--format", "csv",
                                     "--rule", "EV_REUSE_01", "--rule", "EV_TIMING_04"])
    assert docs_only.exit_code == 0, docs_only.output
    rows = [line for line in docs_only.output.splitlines() if line.startswith("EV_")]
    assert sorted(r.split(",")[3] for r in rows) == ["FLD0032", "FLD0034", "FLD0065"]


def test_without_evidence_no_ev_check_runs(tmp_path):
    from tests.rules.case import write_case

    write_case({}, tmp_path)
    found = open_case([tmp_path], progress=False)
    assert found.evidence is None and not found.findings["rule_id"].str.startswith("EV_").any()
    assert isinstance(found.findings, pd.DataFrame)


def test_view_without_evidence_shows_what_is_required(result):
    from auditkit.rules import RuleContext

    bare = RuleContext(result.data, result.contracts)
    started = evidence_view(bare, 10090002, "CBC0142")  # started 2025-03-31: Milestone 1 not reached by 2025-04-04
    status = dict(zip(started.stages["stage"], started.stages["status"], strict=True))
    assert status["eligibility"] == status["delivery"] == "not yet due"
    assert status["M2"] == status["M3"] == "not required" and started.findings.empty
    done = evidence_view(bare, 10090001, "FLD0058")
    stages = done.stages.set_index("stage")
    assert stages.loc["eligibility", "status"] == "missing" and len(stages.loc["eligibility", "missing"]) == 6
    assert stages.loc["M2", "missing"] == ["interview_offer"] and done.documents.empty
