"""A new user's first runs on their own files: no crash, no silent wrong answer, a readable table (issue 9)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import open_case
from auditkit.case.findings import summary_by_provider
from auditkit.cli import main
from auditkit.writers.tables import safe_cell, safe_frame, to_csv

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ONE_FILE = SAMPLES / "ilr" / "meadowlark-training" / "ILR-10090009-2425-20250404-164409-01.xml"
ONE_FOLDER = SAMPLES / "ilr" / "tipton-forge-tech"
REAL = "ILR-10090003-2425-20250404-110537-01.xml"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def run_apart(*args: str):
    """Run with stdout and stderr captured apart (click 8.1 needs ``mix_stderr=False``; 8.2 always keeps both)."""
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, [str(a) for a in args])


# -- crashes ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "milestones", "kpis"])
@pytest.mark.parametrize("path", [ONE_FILE, ONE_FOLDER], ids=["one-file", "one-folder"])
def test_one_file_or_folder_without_contracts(command, path):
    result = run(command, path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_summary_by_provider_without_contracts_names_every_provider():
    result = open_case([ONE_FOLDER], progress=False)
    summary = summary_by_provider(result.findings, None, providers=[10090003, 10090099])
    assert list(summary["ukprn"]) == [10090003, 10090099]
    assert list(summary["provider"]) == ["(no contract)", "(no contract)"]
    assert summary.loc[1, ["no-pay", "error", "warning", "learners"]].tolist() == [0, 0, 0, 0]


def test_empty_findings_summary_lists_providers():
    empty = open_case([ONE_FOLDER], progress=False, rules=["W5_ULN_01"]).findings.iloc[0:0]
    summary = summary_by_provider(empty, None, providers=[10090003])
    assert list(summary["ukprn"]) == [10090003] and summary.loc[0, "learners"] == 0


# -- nothing to audit is an error, never "No findings." ----------------------------------------------------------

def _empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _evidence_only(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence-only"
    shutil.copytree(SAMPLES / "evidence", folder)
    return folder


def _zip_without_ilr(tmp_path: Path) -> Path:
    path = tmp_path / "returns.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "no ILR here")
    return path


@pytest.mark.parametrize("make", [_empty, _evidence_only, _zip_without_ilr], ids=["empty", "evidence", "zip"])
@pytest.mark.parametrize("command", ["check", "milestones", "kpis", "load"])
def test_no_ilr_file_is_a_clear_error_naming_the_path(tmp_path, make, command):
    path = make(tmp_path)
    result = run(command, path)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and "no ILR file" in result.output
    assert "No findings" not in result.output and "Traceback" not in result.output


def test_kpis_changes_on_an_empty_folder(tmp_path):
    result = run("kpis", _empty(tmp_path), "--changes")
    assert result.exit_code == 2 and "no ILR file" in result.output


def test_api_refuses_an_empty_folder(tmp_path):
    from auditkit.errors import InputError

    with pytest.raises(InputError, match="no ILR file"):
        open_case([_empty(tmp_path)])


# -- output follows the extension ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def one_folder():
    return open_case([ONE_FOLDER], progress=False)


def test_out_into_a_folder_that_does_not_exist(tmp_path):
    out = tmp_path / "not" / "yet" / "findings.csv"
    result = run("check", ONE_FOLDER, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("rule_id,severity,ukprn")


@pytest.mark.parametrize("command", [["check"], ["milestones"], ["milestones", "--summary"], ["kpis"],
                                     ["kpis", "--trends"], ["kpis", "--changes"]])
def test_out_format_follows_the_extension(tmp_path, command, one_folder, commands_open):
    commands_open(one_folder)  # the four outputs of a command come from one case
    json_out, csv_out, xlsx_out, txt_out = (tmp_path / f"out.{e}" for e in ("json", "csv", "xlsx", "txt"))
    for out in (json_out, csv_out, xlsx_out, txt_out):
        result = run(*command, ONE_FOLDER, "--out", out)
        assert result.exit_code == 0, result.output
    records = json.loads(json_out.read_text(encoding="utf-8"))
    assert isinstance(records, list) and records
    frame = pd.read_csv(csv_out, dtype=str)
    assert list(frame.columns) == list(records[0])
    assert len(frame) == len(records)
    book = openpyxl.load_workbook(xlsx_out)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == list(records[0])
    assert sheet.max_row == len(records) + 1
    assert not txt_out.read_text(encoding="utf-8").lstrip().startswith(("[", "{"))


def test_xlsx_holds_numbers_as_numbers_and_dates_as_dates(tmp_path):
    out = tmp_path / "m.xlsx"
    assert run("milestones", ONE_FOLDER, "--out", out).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["milestones", "providers"]
    sheet = book["milestones"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    values = dict(zip(header, row, strict=True))
    assert isinstance(values["ukprn"], int) and isinstance(values["share"], float)
    assert hasattr(values["learn_start_date"], "year")
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "x.foo"], "cannot tell the output format"),
    (["--out", "x.csv", "--format", "json"], "means csv"),
    (["--format", "xlsx"], "give --out FILE.xlsx"),
])
def test_bad_output_choices_are_refused(tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    result = run("check", ONE_FOLDER, *args)
    assert result.exit_code == 2 and message in result.output
    assert not list(tmp_path.iterdir())


def test_format_given_with_an_extensionless_out(tmp_path):
    out = tmp_path / "findings"
    assert run("check", ONE_FOLDER, "--out", out, "--format", "json").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))


# -- formula-safe cells ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+A1", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_start_a_formula_is_prefixed(text):
    assert safe_cell(text) == "'" + text
    frame = pd.DataFrame({"message": pd.array([text, "plain"], dtype="string"), "n": [-1, 2]})
    out = safe_frame(frame)
    assert out["message"].tolist() == ["'" + text, "plain"] and out["n"].tolist() == [-1, 2]


def test_numbers_stay_numbers():
    assert safe_cell("-12.50") == "-12.50" and safe_cell(-3) == -3 and safe_cell("+44") == "+44"
    assert to_csv(pd.DataFrame({"v": ["-5", "=1"]})) == "v\n-5\n'=1\n"


def test_masked_value_starting_with_equals_is_not_a_formula():
    from auditkit.privacy import mask_frame

    findings = pd.DataFrame({"field": ["FamilyName", "LSDPostcode"],
                             "value": ["=cmd|' /C calc'!A0", "=HYPERLINK(1) 1AA"], "message": ["x", "y"]})
    masked = mask_frame(findings)
    assert masked["value"].str.startswith("=").all()  # masking keeps the first character ...
    assert not safe_frame(masked)["value"].str.startswith("=").any()  # ... and the export defuses it


def test_text_from_the_inputs_reaches_csv_and_xlsx_defused(tmp_path):
    from tests.rules.case import write_case

    psm = [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "=contribution 30"}]
    write_case({"bootcamp": {"ProviderSpecDeliveryMonitoring": psm}}, tmp_path / "case")
    out = tmp_path / "f.csv"
    result = run("check", tmp_path / "case", "--rule", "W5_FFI_04", "--out", out)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str)
    assert rows["value"].tolist() == ["'=contribution 30"]
    xlsx = tmp_path / "f.xlsx"
    assert run("check", tmp_path / "case", "--rule", "W5_FFI_04", "--out", xlsx).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx)["findings"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert "'=contribution 30" in [c.value for c in cells]
    assert not any(c.data_type == "f" for c in cells)


# -- a truncated copy with a later date ----------------------------------------------------------------------------

@pytest.fixture
def truncated(tmp_path) -> Path:
    """Tipton Forge's folder plus a cut-short copy of its latest return, dated a day later."""
    case = tmp_path / "case"
    shutil.copytree(ONE_FOLDER, case)
    data = (case / REAL).read_bytes()
    (case / "ILR-10090003-2425-20250405-120000-01.xml").write_bytes(data[: len(data) // 10])
    return case


def test_a_truncated_latest_return_is_named_with_a_warning(truncated):
    for command in (["check"], ["milestones"], ["kpis"], ["kpis", "--trends"], ["kpis", "--changes"]):
        result = run(*command, truncated)
        assert result.exit_code == 0, result.output
        flat = re.sub(r"\s+", " ", result.output)
        assert "ILR-10090003-2425-20250405-120000-01.xml: 2 errors" in flat, command
        assert "learners read" in flat and "Warning: The latest return of 10090003 2024-25" in flat
        assert "--return FILE or --as-of DATE" in flat
    csv = run_apart("check", truncated, "--format", "csv")
    assert "read with problems" in csv.stderr and "read with problems" not in csv.stdout


def test_return_chooses_the_real_return(truncated):
    cut = run_apart("check", truncated, "--format", "json").stdout
    real = run_apart("check", truncated, "--return", REAL, "--format", "json").stdout
    assert {r["learn_ref_number"] for r in json.loads(real)} > {r["learn_ref_number"] for r in json.loads(cut)}
    table = run("check", truncated, "--return", REAL)
    assert "not the return the audit uses" in table.output and "Warning:" not in table.output
    result = open_case([truncated], returns=[REAL], progress=False)
    assert set(result.data.returns["path"].map(lambda p: Path(p).name)) == {
        REAL, "ILR-10090003-2425-20241205-110537-01.xml", "ILR-10090003-2324-20240605-110537-01.xml",
        "ILR-10090003-2324-20241007-110537-01.xml"}


def test_as_of_chooses_the_case_on_a_day(truncated):
    result = open_case([truncated], as_of="2024-12-31", progress=False)
    assert result.data.returns["file_preparation_date"].max() == pd.Timestamp("2024-12-05")
    assert run("check", truncated, "--as-of", "2024-12-31").exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--return", "nope.xml"], "no such return was read"),
    (["--as-of", "2001-01-01"], "no return was prepared on or before"),
    (["--as-of", "yesterday"], "Invalid value for '--as-of'"),
])
def test_bad_choices_are_clear_errors(truncated, args, message):
    result = run("check", truncated, *args)
    assert result.exit_code == 2 and message in result.output


# -- evidence findings counted in one stated way -------------------------------------------------------------------

def test_both_commands_say_how_evidence_findings_count(samples_case, commands_open):
    commands_open(samples_case)
    check = run("check", SAMPLES)
    assert "Evidence findings (EV_*) do not change what the ILR earns" in check.output
    milestones = run("milestones", SAMPLES)
    assert "Evidence findings (EV_*) do not change what the ILR earns" in milestones.output
    assert "at risk (ILR) £" in milestones.output and "at risk (evidence) £" in milestones.output
    assert "Earned on the ILR, evidence with a no-pay finding" in milestones.output


def test_ev_missing_shows_as_evidence_at_risk(samples_case):
    result = samples_case
    from auditkit.funding.milestones import funding_summary, milestones

    frame = milestones(result.context, result.findings)
    held = frame[frame["evidence_blocked_by"] != ""]
    missing = result.findings[result.findings["rule_id"] == "EV_MISSING_01"]
    assert set(held["learn_ref_number"]) >= set(missing["learn_ref_number"])
    fld = held[held["learn_ref_number"] == "FLD0058"].iloc[0]
    assert fld["milestone"] == "M2" and bool(fld["earned"]) and fld["at_risk_evidence"] == fld["amount_due"] > 0
    total = funding_summary(frame)["at_risk_evidence"].sum()
    assert total == pytest.approx(held["at_risk_evidence"].sum()) and total > 0


# -- the terminal table ----------------------------------------------------------------------------------------------

def test_table_fits_the_terminal_and_wraps_messages_whole(samples_case, commands_open):
    commands_open(samples_case)
    result = run("check", SAMPLES, env={"COLUMNS": "80"})
    assert result.exit_code == 0
    findings = samples_case.findings
    lines = result.output.splitlines()
    by_provider = lines.index("By provider and severity:")
    providers = samples_case.data.returns["ukprn"].nunique()  # the title, the header and a row per provider
    wide = [ln for ln in lines[by_provider + 2 + providers:] if len(ln) > 80]
    assert not wide, wide[:3]
    flat = re.sub(r"\s+", " ", result.output)
    for message in findings["message"]:
        assert re.sub(r"\s+", " ", message) in flat


def test_summary_lists_every_provider_and_names_the_catalogue():
    result = run("check", SAMPLES, "--rule", "W5_DOB_02", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    summary = result.output.split("By provider and severity:")[1].split("\n\n")[0]
    for ukprn in ("10090001", "10090002", "10090003", "10090009"):
        assert ukprn in summary
    assert "auditkit rules --rule ID" in result.output and "auditkit rules --rule W5_DOB_02" in result.output


def test_paths_the_walk_did_not_follow_are_named(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(ONE_FOLDER, case)
    (case / "employers.csv").symlink_to(tmp_path / "nowhere.csv")
    result = run("check", case)
    assert result.exit_code == 0, result.output
    assert "not used:" in re.sub(r"\s+", " ", result.output) and "employers.csv" in result.output
    outside = tmp_path / "outside.xml"
    outside.write_text("<secret/>")
    link = case / "ILR-10090003-2425-20250501-000000-01.xml"
    link.symlink_to(outside)
    refused = run("check", case)
    assert refused.exit_code == 2 and link.name in refused.output and "not followed" in refused.output
    loaded = run("load", case, "--skip-bad-files")
    assert loaded.exit_code == 0 and link.name in loaded.output and "employers.csv" in loaded.output
