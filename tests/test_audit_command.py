"""``auditkit audit CASE --out DIR``: the case opened once, every output of an audit written into one folder (issue 13).

The CSVs must be byte for byte those of ``check``, ``milestones`` (and ``--summary``) and ``kpis`` with ``--out``;
personal data masked unless ``--reveal`` (logged); ``--format xlsx`` one workbook with a sheet per table.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.views.audit import README, WORKBOOK, audit_tables, write_audit
from auditkit.writers.tables import FORMULA_STARTS, OutputError
from tests.test_first_runs import run_apart
from tests.test_privacy_commands import leaks

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
#: The tables an audit of the samples writes (they have evidence), with the rows of each.
TABLES = ["findings", "findings-summary", "milestones", "funding", "funding-providers", "kpis", "kpi-members",
          "evidence-problems", "read-problems"]


def _rows(case) -> dict[str, int]:
    return {"findings": len(case.findings), "findings-summary": len(case.summary),
            "milestones": len(case.milestones), "funding": len(case.funding),
            "funding-providers": len(case.funding_by_provider), "kpis": len(case.kpis.values),
            "kpi-members": len(case.kpis.members), "evidence-problems": len(case.evidence.problems),
            "read-problems": 0}


def _folder_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


def test_write_audit_writes_every_table_with_its_rows(samples_case, tmp_path):
    out = tmp_path / "new" / "audit"  # made, with its parents
    written = write_audit(samples_case, out, "csv")
    expected = _rows(samples_case)
    assert [p.name for p, _ in written] == [f"{t}.csv" for t in TABLES]
    assert {p.stem: rows for p, rows in written} == expected
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{t}.csv" for t in TABLES), README])
    for path, rows in written:
        assert len(pd.read_csv(path, dtype=str, keep_default_na=False)) == rows, path.name
    assert expected["findings"] > 50 and expected["milestones"] > 500 and expected["evidence-problems"] > 0
    readme = (out / README).read_text(encoding="utf-8")
    assert f"findings.csv               {expected['findings']} findings" in readme
    severities = samples_case.findings["severity"].value_counts()
    assert f"Findings: {len(samples_case.findings)} (no-pay {severities['no-pay']}, error {severities['error']}" \
        in readme
    claimed = samples_case.funding_by_provider["amount_claimed"].sum()
    assert f"claimed £{claimed:,.2f}" in readme and "personal data masked" in readme


def test_json_files_hold_the_same_rows(samples_case, tmp_path):
    written = write_audit(samples_case, tmp_path, "json")
    assert [p.name for p, _ in written] == [f"{t}.json" for t in TABLES]
    for path, rows in written:
        assert len(pd.read_json(path, orient="records", dtype=False)) == rows, path.name


def test_without_evidence_there_is_no_evidence_table(tmp_path):
    from auditkit import open_case

    case = open_case([SAMPLES / "ilr" / "tipton-forge-tech"], progress=False)
    assert case.evidence is None
    names = [t.name for t in audit_tables(case)]
    assert "evidence-problems" not in names and names[-1] == "read-problems"


def test_the_csvs_are_those_of_the_single_commands(samples_case, commands_open, tmp_path):
    commands_open(samples_case)
    audit = tmp_path / "audit"
    assert run_apart("audit", SAMPLES, "--out", audit).exit_code == 0
    single = {"findings": ["check"], "milestones": ["milestones"], "funding": ["milestones", "--summary"],
              "kpis": ["kpis"]}
    for name, command in single.items():
        out = tmp_path / f"single-{name}.csv"
        result = run_apart(*command, SAMPLES, "--out", out)
        assert result.exit_code == 0, result.output
        assert (audit / f"{name}.csv").read_bytes() == out.read_bytes(), name


def test_the_sheets_of_the_single_commands_workbooks_are_the_audits(samples_case, commands_open, tmp_path):
    """The tables the single commands give only in a workbook (summary, providers, evidence problems) agree too."""
    commands_open(samples_case)
    assert run_apart("audit", SAMPLES, "--out", tmp_path / "a", "--format", "xlsx").exit_code == 0
    assert run_apart("check", SAMPLES, "--out", tmp_path / "check.xlsx").exit_code == 0
    assert run_apart("milestones", SAMPLES, "--out", tmp_path / "milestones.xlsx").exit_code == 0
    audit = openpyxl.load_workbook(tmp_path / "a" / WORKBOOK)
    check = openpyxl.load_workbook(tmp_path / "check.xlsx")
    milestones = openpyxl.load_workbook(tmp_path / "milestones.xlsx")

    def values(sheet) -> list[tuple]:
        return list(sheet.iter_rows(values_only=True))

    assert values(audit["findings summary"]) == values(check["summary"])
    assert values(audit["evidence problems"]) == values(check["evidence problems"])
    assert values(audit["findings"]) == values(check["findings"])
    assert values(audit["funding providers"]) == values(milestones["providers"])


def test_the_command_on_the_samples(tmp_path):
    """Opened for real: the summary on stdout is the README, naming every file with its rows."""
    out = tmp_path / "audit"
    result = run_apart("audit", SAMPLES, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (out / README).read_text(encoding="utf-8")
    for name in TABLES:
        rows = len(pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False))
        assert any(line.split()[:2] == [f"{name}.csv", str(rows)] for line in result.stdout.splitlines()), name
    assert "evidence problems" in result.stdout and "Funding: claimed £" in result.stdout


def test_masked_by_default_and_revealed_with_reveal_logged(samples_case, commands_open, tmp_path, caplog):
    commands_open(samples_case)
    with caplog.at_level(logging.WARNING, logger="auditkit.privacy"):
        assert run_apart("audit", SAMPLES, "--out", tmp_path / "masked").exit_code == 0
    assert not leaks(_folder_text(tmp_path / "masked"))
    assert "personal data revealed" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="auditkit.privacy"):
        result = run_apart("audit", SAMPLES, "--out", tmp_path / "revealed", "--reveal")
    assert result.exit_code == 0
    revealed = tmp_path / "revealed"
    assert leaks((revealed / "findings.csv").read_text(encoding="utf-8"))
    assert "personal data revealed on the command line (--reveal): audit" in caplog.text
    assert "unmasked (--reveal)" in result.stderr and "unmasked (--reveal)" in (revealed / README).read_text()


def test_xlsx_is_one_workbook_with_a_sheet_each(samples_case, commands_open, tmp_path):
    commands_open(samples_case)
    result = run_apart("audit", SAMPLES, "--out", tmp_path, "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [README, WORKBOOK]
    book = openpyxl.load_workbook(tmp_path / WORKBOOK)
    assert book.sheetnames == [t.replace("-", " ") for t in TABLES]
    for name, rows in _rows(samples_case).items():
        assert book[name.replace("-", " ")].max_row == rows + 1, name
    assert not leaks("\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row))
    assert f"{WORKBOOK} [kpi members]" in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_cell_starts_a_formula(tmp_path, fmt):
    from tests.rules.case import write_case

    psm = [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "=contribution 30"}]
    write_case({"bootcamp": {"ProviderSpecDeliveryMonitoring": psm}}, tmp_path / "case")
    out = tmp_path / "audit"
    result = run_apart("audit", tmp_path / "case", "--out", out, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "csv":
        findings = pd.read_csv(out / "findings.csv", dtype=str)
        assert "'=contribution 30" in findings["value"].tolist()  # the hostile text reached the file, defused
        cells = [v for p in out.glob("*.csv") for row in csv.reader(p.open(encoding="utf-8", newline=""))
                 for v in row]
    else:
        book = openpyxl.load_workbook(out / WORKBOOK)
        every = [c for sheet in book for row in sheet.iter_rows() for c in row]
        assert not any(c.data_type == "f" for c in every)
        cells = [c.value for c in every if isinstance(c.value, str)]
        assert "'=contribution 30" in cells
    risky = [v for v in cells if v.startswith(FORMULA_STARTS) and not _number(v)]
    assert not risky


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_an_out_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "audit.csv"
    file.write_text("keep me", encoding="utf-8")
    result = run_apart("audit", SAMPLES, "--out", file)
    assert result.exit_code == 2
    assert "is a file" in result.stderr and file.name in result.stderr
    assert file.read_text(encoding="utf-8") == "keep me"


def test_write_audit_refuses_a_file_and_an_unknown_format(samples_case, tmp_path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        write_audit(samples_case, tmp_path / "f")
    with pytest.raises(OutputError, match="not table"):
        write_audit(samples_case, tmp_path / "d", "table")


def test_help_names_the_files():
    result = CliRunner().invoke(main, ["audit", "--help"])
    assert result.exit_code == 0
    for text in ("--out", "--format", "--reveal", "--as-of", "--return", "findings-summary.csv", "README.txt"):
        assert text in result.output, text


def test_the_notes_of_the_single_commands_and_the_case_options(tmp_path):
    """A truncated latest return: its problems and the scope warning are in the summary and read-problems.csv;
    --return (a case option) chooses the real return, and the warning goes."""
    import shutil

    from tests.test_first_runs import ONE_FOLDER, REAL

    case = tmp_path / "case"
    shutil.copytree(ONE_FOLDER, case)
    data = (case / REAL).read_bytes()
    cut = "ILR-10090003-2425-20250405-120000-01.xml"
    (case / cut).write_bytes(data[: len(data) // 10])
    result = run_apart("audit", case, "--out", tmp_path / "cut")
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert f"{cut}: 2 errors" in flat and "Warning: The latest return of 10090003 2024-25" in flat
    problems = pd.read_csv(tmp_path / "cut" / "read-problems.csv")
    assert problems["file"].str.endswith(cut).any() and problems["latest"].any()
    chosen = run_apart("audit", case, "--return", REAL, "--out", tmp_path / "real")
    assert chosen.exit_code == 0 and "Warning:" not in chosen.stdout
    milestones = {name: len(pd.read_csv(tmp_path / name / "milestones.csv")) for name in ("cut", "real")}
    assert milestones["real"] > milestones["cut"]
