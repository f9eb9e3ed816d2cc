"""The command line, invoked in-process."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditkit.cli import main
from tests.rules.case import write_case

ROOT = Path(__file__).resolve().parents[1]


def test_load_samples_says_what_was_read():
    result = CliRunner().invoke(main, ["load", str(ROOT / "samples")])
    assert result.exit_code == 0, result.output
    assert "returns from 6 providers" in result.output
    assert "years 2023-24, 2024-25" in result.output
    for period in ("R04", "R08", "R10", "R12", "R14"):
        assert period in result.output
    assert "problems 0" in result.output
    assert "contracts: " in result.output


def test_load_json(tmp_path):
    write_case({}, tmp_path)
    result = CliRunner().invoke(main, ["load", str(tmp_path), "--format", "json"])
    summary = json.loads(result.output)
    assert summary["learners"] == 1 and summary["deliveries"] == 1 and summary["periods"] == ["R10"]


def test_load_not_an_ilr_is_a_clear_error(tmp_path):
    bad = tmp_path / "ILR-10000001-2425-20241205-090000-01.xml"
    bad.write_text("<html><body>not an ILR</body></html>")
    result = CliRunner().invoke(main, ["load", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output and "<html>" in result.output


def test_load_missing_path():
    result = CliRunner().invoke(main, ["load", "no/such/folder"])
    assert result.exit_code == 2 and "no/such/folder" in result.output


def test_check_formats_and_fail_on(tmp_path):
    write_case({"learner": {"ULN": "1000000018"}}, tmp_path)
    runner = CliRunner()
    table = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_ULN_02"])
    assert table.exit_code == 0 and "W5_ULN_02" in table.output and "By provider and severity" in table.output
    csv = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_ULN_02", "--format", "csv"])
    header, row = csv.output.strip().splitlines()
    assert header == "rule_id,severity,ukprn,learn_ref_number,uln,aim_seq_number,field,value,message,source"
    assert row.startswith("W5_ULN_02,error,10000001,L1,1000000018,,ULN,1000000018,")
    failing = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_ULN_02", "--fail-on", "error"])
    assert failing.exit_code == 1
    passing = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_ULN_02", "--fail-on", "no-pay"])
    assert passing.exit_code == 0
    out = tmp_path / "findings.json"
    runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_ULN_02", "--format", "json", "--out", str(out)])
    assert json.loads(out.read_text())[0]["rule_id"] == "W5_ULN_02"


def test_check_masks_personal_values_unless_revealed(tmp_path):
    write_case({"bootcamp": {"LSDPostcode": "LE1 5XY"}}, tmp_path)
    runner = CliRunner()
    masked = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_RES_01", "--format", "csv"])
    assert "W5_RES_01" in masked.output
    assert "LE1 5XY" not in masked.output and "LE1 ***" in masked.output
    revealed = runner.invoke(main, ["check", str(tmp_path), "--rule", "W5_RES_01", "--format", "csv", "--reveal"])
    assert "LE1 5XY" in revealed.output


def test_unknown_rule_is_a_clear_error(tmp_path):
    write_case({}, tmp_path)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--rule", "W5_NOPE_01"])
    assert result.exit_code == 2 and "W5_NOPE_01" in result.output


def test_rules_catalogue_lists_rules():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0 and "W5_ULN_02" in result.output
    one = CliRunner().invoke(main, ["rules", "--rule", "W5_ULN_02"])
    assert "**What it checks**" in one.output
