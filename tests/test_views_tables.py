"""The commands' tables and notes (auditkit.views.tables, auditkit.views.notes) and how the CLI writes them
(auditkit.cli.output): the command prints exactly what the views give."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.case.findings import filter_severity
from auditkit.cli import main
from auditkit.cli.options import CaseError
from auditkit.cli.output import Output
from auditkit.frames.measures import CHANGES, KPI_TRENDS
from auditkit.funding.milestones import EVIDENCE_COUNTING
from auditkit.views.notes import (
    CHECK_EVIDENCE_NOTE,
    case_notes,
    evidence_problems_line,
    evidence_problems_text,
    notes_text,
    wrap,
)
from auditkit.views.tables import (
    blocks,
    findings_table,
    kpi_changes_table,
    kpi_shown,
    kpi_table,
    kpi_trends_table,
    load_text,
    milestones_table,
    money,
)
from tests.conftest import SAMPLES


@pytest.fixture
def cli_on_samples(samples_case, commands_open):
    """Invoke a command on the samples with the session's case (no reading, no computing twice)."""
    commands_open(samples_case)

    def invoke(*args: str):
        return CliRunner().invoke(main, [args[0], str(SAMPLES), *args[1:]], env={"COLUMNS": "100"})

    return invoke


def test_money_and_kpi_values():
    assert money(1234.5) == "1,234.50" and money(None) == "" and money(pd.NA) == ""
    assert kpi_shown(0.1234, "ratio") == "12.3%" and kpi_shown(7.0, "count") == "7" and kpi_shown(None, "ratio") == "-"


def test_blocks_move_a_head_value_too_long_for_the_line_below_it_whole():
    rows = pd.DataFrame({"rule": ["W5_X"], "value": ["v" * 70], "message": ["a message " * 12]})
    lines = blocks(rows, ["rule", "value"], "message", 60)
    assert all(len(line) <= 60 for line in lines if "v" * 70 not in line)
    assert lines[1].split() == ["W5_X", "(below)"]
    assert "      " + "v" * 70 in lines  # whole, never cut
    assert " ".join(" ".join(lines).split()).count("a message") == 12


def test_wrap_and_notes_text():
    assert wrap("one two three", 9, 2) == ["  one two", "  three"]
    assert notes_text([], 80) == ""
    text = notes_text(["word " * 30], 60)
    assert text.endswith("\n\n") and all(len(line) <= 60 for line in text.splitlines())
    assert text.splitlines()[1].startswith("    ")  # continuations indented


def test_case_notes_name_how_evidence_findings_count(samples_case):
    lines = case_notes(samples_case, evidence_line=CHECK_EVIDENCE_NOTE)
    assert lines[-1] == CHECK_EVIDENCE_NOTE and lines[:-1] == samples_case.read_notes
    assert case_notes(samples_case) == samples_case.read_notes


def test_check_prints_exactly_the_views(cli_on_samples, samples_case):
    result = cli_on_samples("check", "--severity", "no-pay")
    assert result.exit_code == 0, result.output
    findings = filter_severity(samples_case.findings, "no-pay")
    expected = (notes_text(case_notes(samples_case, CHECK_EVIDENCE_NOTE), 100)
                + findings_table(samples_case, findings, samples_case.summarise(findings), 100)
                + evidence_problems_text(samples_case, 100))
    assert result.output == expected
    assert "No findings." not in expected and set(findings["severity"]) <= {"no-pay", "not-evaluated"}


def test_milestones_prints_exactly_the_views(cli_on_samples, samples_case):
    result = cli_on_samples("milestones")
    notes = notes_text(case_notes(samples_case, EVIDENCE_COUNTING), 100)
    assert result.output == notes + milestones_table(samples_case, samples_case.milestones, None, 100)
    assert "Claimed but not earned (" in result.output
    summary = cli_on_samples("milestones", "--summary")
    assert summary.output == notes + milestones_table(samples_case, samples_case.milestones, samples_case.funding, 100)
    assert "By provider, bootcamp aim and milestone:" in summary.output


def test_kpis_prints_exactly_the_views(cli_on_samples, samples_case):
    result = cli_on_samples("kpis")
    assert result.output == notes_text(samples_case.read_notes, 100) + kpi_table(samples_case.kpis, True, True)
    assert "evidence loaded, employer register loaded" in result.output


def test_load_text_says_what_was_read(samples_case):
    text = load_text(samples_case, 3, 100)
    assert text.startswith("Read 18 returns from 6 providers; years 2023-24, 2024-25;")
    assert f"  contracts: {SAMPLES / 'contracts.toml'}" in text.splitlines()


def test_empty_frames_have_a_sentence():
    assert kpi_trends_table(KPI_TRENDS.empty()) == "No snapshot returns.\n"
    assert kpi_changes_table(CHANGES.empty()) == "No changes between consecutive returns.\n"


def test_evidence_problems_text_lists_each_problem(samples_case):
    text = evidence_problems_text(samples_case, 100)
    documents, problems = samples_case.evidence.evidence, samples_case.evidence.problems
    assert text.startswith(f"\nEvidence: {len(documents)} documents read; {len(problems)} problems")
    assert all(check in text for check in problems["check_id"])
    line = evidence_problems_line(samples_case)
    assert (line is None) == (not len(problems))


def test_output_format_is_resolved_once_and_contradictions_refused(tmp_path, capsys):
    assert Output.of(None, None).fmt == "table" and Output.of(None, tmp_path / "a.csv").fmt == "csv"
    with pytest.raises(CaseError, match="cannot tell the output format"):
        Output.of(None, tmp_path / "a.pdf")
    with pytest.raises(CaseError, match="give --out FILE.xlsx"):
        Output.of("xlsx", None)
    csv = Output.of("csv", None)
    assert csv.notes(["a note"]) == "" and "a note" in capsys.readouterr().err
    assert Output.of("table", None).notes(["a note"]) == "a note\n\n"


def test_output_writes_the_file_its_extension_names(tmp_path):
    out: Path = tmp_path / "sub" / "frame.json"
    Output.of(None, out).write(pd.DataFrame({"a": [1, 2]}), lambda: pytest.fail("no table for JSON"), "rows")
    assert pd.read_json(out)["a"].tolist() == [1, 2]
