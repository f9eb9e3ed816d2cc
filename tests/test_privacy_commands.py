"""No personal value of the samples reaches anything a command writes, in any format, unless ``--reveal``.

The personal values are taken from the sample ILR files themselves (every column the frames declare personal:
names, dates of birth, NI numbers, phones, e-mails, full postcodes, address lines), so the test follows the
samples. Each command runs in every format it offers; stdout, stderr and every file written are scanned.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import read_ilr
from auditkit.cli import main
from auditkit.privacy import PERSONAL_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

#: Each command with the formats it writes (xlsx goes to a file).
COMMANDS: list[tuple[list[str], list[str]]] = [
    (["load"], ["table", "json"]),
    (["check"], ["table", "csv", "json", "xlsx"]),
    (["milestones"], ["table", "csv", "json", "xlsx"]),
    (["milestones", "--summary"], ["table", "xlsx"]),
    (["kpis"], ["table", "csv", "json", "xlsx"]),
    (["kpis", "--trends"], ["table", "csv"]),
    (["kpis", "--changes"], ["table", "csv", "json", "xlsx"]),
]
CASES = [(cmd, fmt) for cmd, fmts in COMMANDS for fmt in fmts]


def _forms(kind: str, value: object) -> set[str]:
    if value is None or pd.isna(value):
        return set()
    if kind == "dob":
        day = pd.Timestamp(value)
        return {f"{day:%Y-%m-%d}", f"{day:%d/%m/%Y}"}
    text = str(value).strip()
    return {text} if len(text) >= 3 else set()


@cache
def secrets() -> dict[str, str]:
    """Every personal value of the sample ILR files (text -> column), less those that also occur in the case's
    non-personal files (an employer or provider that shares a family name cannot show a leak)."""
    data = read_ilr(SAMPLES, progress=False)
    public = " ".join(p.read_text(encoding="utf-8") for p in (SAMPLES / "employers.csv", SAMPLES / "contracts.toml"))
    found: dict[str, str] = {}
    for name, frame in data.frames.items():
        if name == "problems":
            continue
        for column in frame.columns:
            kind = PERSONAL_COLUMNS.get(column)
            if kind:
                for value in frame[column].dropna().unique():
                    for text in _forms(kind, value):
                        if not re.search(rf"(?<!\w){re.escape(text)}(?!\w)", public):
                            found[text] = column
    return found


@cache
def _pattern() -> re.Pattern[str]:
    values = sorted(secrets(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in values) + r")(?!\w)")


def leaks(text: str) -> list[str]:
    found = dict.fromkeys(m.group(0) for m in _pattern().finditer(text))
    return [f"{secrets()[v]}: {v!r}" for v in found]


def _written(command: list[str], fmt: str, tmp_path: Path, *extra: str) -> str:
    args = [*command, str(SAMPLES), *extra]
    out = None
    if fmt == "xlsx":
        out = tmp_path / "out.xlsx"
        args += ["--out", str(out)]
    elif fmt != "table" or command != ["load"]:
        args += ["--format", fmt]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = result.output
    if out is not None:
        book = openpyxl.load_workbook(out)
        text += "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                          if v is not None)
    return text


def test_the_samples_have_personal_values_to_look_for():
    values = secrets()
    kinds = {PERSONAL_COLUMNS[c] for c in values.values()}
    assert {"name", "dob", "ni", "postcode", "phone", "email"} <= kinds
    assert len(values) > 500


@pytest.mark.parametrize(("command", "fmt"), CASES, ids=[f"{' '.join(c)}-{f}" for c, f in CASES])
def test_no_personal_value_is_written(command, fmt, tmp_path, samples_case, commands_open):
    commands_open(samples_case)  # each command would open this very case: computed once for every format
    found = leaks(_written(command, fmt, tmp_path))
    assert not found, f"{len(found)} personal values written, e.g. {found[:5]}"


def test_reveal_shows_them():
    """The scan is not blind: the same output with --reveal carries the values (a DOB_02 message and value)."""
    result = CliRunner().invoke(main, ["check", str(SAMPLES), "--format", "csv", "--reveal"])
    assert result.exit_code == 0 and leaks(result.output)


def test_python_api_findings_are_masked_by_default(caplog, samples_case):
    result = samples_case
    assert not leaks(result.findings.to_csv())
    dob = result.findings[result.findings["rule_id"] == "W5_DOB_02"]
    assert len(dob) and dob["message"].str.contains(r"\d{4}-\*\*-\*\*").all()
    with caplog.at_level("WARNING", logger="auditkit.privacy"):
        revealed = result.revealed_findings("a test")
    assert leaks(revealed.to_csv()) and "personal data revealed" in caplog.text


def test_reader_problem_messages_are_masked(tmp_path):
    """A bad personal value in a problem message is masked like the value column."""
    import datetime as dt

    from auditkit.writers.ilr import ilr_file_name, write_ilr

    person = {"LearnRefNumber": "P1", "ULN": "1000000018", "FamilyName": "Zebedee", "GivenNames": "Quentin",
              "DateOfBirth": "1979-02-30", "Ethnicity": 31, "Sex": "M", "LLDDHealthProb": 2,
              "Postcode": "B15 2TT", "PlanLearnHours": 10}
    write_ilr(tmp_path / ilr_file_name(10000001, "2024-25", dt.datetime(2024, 12, 5, 9)), ukprn=10000001,
              year="2024-25", file_preparation_date=dt.date(2024, 12, 5), learners=[person])
    result = CliRunner().invoke(main, ["load", str(tmp_path)])
    assert "DateOfBirth" in result.output and "1979-02-30" not in result.output
    assert "1979-**-**" in result.output
