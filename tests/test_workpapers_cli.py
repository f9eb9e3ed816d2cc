"""The workpaper commands: auditkit verdict, signoff and workpapers (in-process, on the shared samples case, with
a new store on each back end)."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.workpapers import open_store
from tests.test_privacy_commands import leaks


def _runner(url: str, tmp_path, monkeypatch):
    monkeypatch.delenv("AUDITKIT_STORE", raising=False)

    def invoke(command: str, *args: str, user: str = "ann"):
        monkeypatch.setenv("AUDITKIT_USER", user)
        return CliRunner().invoke(main, [command, "samples", "--store", url, *args])

    def papers(*args: str, ext: str = "csv") -> pd.DataFrame:
        """``auditkit workpapers`` written to a file (stdout and stderr are one stream in older click)."""
        out = tmp_path / f"papers.{ext}"
        result = invoke("workpapers", "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        if ext == "json":
            return pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
        return pd.read_csv(out, dtype=str)

    invoke.url = url
    invoke.papers = papers
    return invoke


@pytest.fixture
def run(samples_case, commands_open, tmp_path, monkeypatch, store_url):
    """``run(command, *args, user=...)``: a workpaper command on the samples, with a new store (SQLite, then
    PostgreSQL) given as ``--store``; ``run.papers(*args)``: the workpapers frame the command writes."""
    commands_open(samples_case)
    return _runner(store_url, tmp_path, monkeypatch)


@pytest.fixture
def run_sqlite(samples_case, commands_open, tmp_path, monkeypatch):
    """``run`` on SQLite alone (for what does not depend on the back end)."""
    commands_open(samples_case)
    return _runner(f"sqlite:///{tmp_path / 'wp.sqlite'}", tmp_path, monkeypatch)


def test_a_verdict_recorded_on_the_command_line_shows_in_the_workpapers(run, samples_case):
    papers = run.papers()
    assert (papers["kind"] == "finding").sum() == len(samples_case.raw_findings)
    check = papers.loc[papers["rule_id"] == "W5_DATE_04", "check_id"].iloc[0]
    result = run("verdict", "--check", check, "--verdict", "explained", "--note", "month mistyped; see e-mail")
    assert result.exit_code == 0 and f"Recorded explained on check {check} for ann" in result.output
    row = run.papers().set_index("check_id").loc[check]
    assert (row["verdict"], row["note"], row["status"], row["user"]) == (
        "explained", "month mistyped; see e-mail", "done", "ann")
    open_list = run.papers("--open", ext="json")
    assert check not in set(open_list["check_id"]) and len(open_list) == len(papers) - 1


def test_sign_offs_on_the_command_line_follow_the_rule(run):
    papers = run.papers()
    check = papers.loc[papers["kind"] == "finding", "check_id"].iloc[0]
    assert run("verdict", "--check", check, "--verdict", "fail").exit_code == 0
    assert "Signed off 1 checks as preparer" in run("signoff", "--role", "preparer", "--all").output
    refused = run("signoff", "--role", "reviewer", "--check", check)
    assert refused.exit_code == 2 and "ann prepared it and cannot also review it" in refused.output
    assert run("signoff", "--role", "reviewer", "--check", check, user="bob").exit_code == 0
    assert run("verdict", "--check", check, "--verdict", "pass", user="carol").exit_code == 0
    table = run("workpapers")
    assert table.exit_code == 0 and "edited after review" in table.output


@pytest.mark.parametrize("args, message", [
    (["verdict", "--check", "000000000000", "--verdict", "pass"], "no such check"),
    (["verdict", "--check", "X", "--verdict", "maybe"], "'maybe' is not one of"),
    (["signoff", "--role", "preparer"], "give --check ID (repeatable) or --all"),
    (["signoff", "--role", "preparer", "--check", "000000000000"], "no such check"),
    (["workpapers", "--format", "xlsx"], "give --out FILE.xlsx"),
])
def test_bad_inputs_end_with_a_clear_message_and_status_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_an_explained_verdict_without_a_note_is_refused(run):
    papers = run.papers()
    check = papers.loc[papers["kind"] == "finding", "check_id"].iloc[0]
    result = run("verdict", "--check", check, "--verdict", "explained")
    assert result.exit_code == 2 and "needs a note" in result.output


def test_a_store_that_cannot_be_used_is_a_clear_error(run):
    result = CliRunner().invoke(main, ["workpapers", "samples", "--store", "mysql://x@y/z"])
    assert result.exit_code == 2 and "SQLite or PostgreSQL" in result.output


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "xlsx"])
def test_workpapers_are_masked_unless_revealed_and_a_reveal_is_logged(run_sqlite, fmt, tmp_path):
    run = run_sqlite
    def written(*extra: str) -> str:
        args = ["--out", str(tmp_path / "wp.xlsx")] if fmt == "xlsx" else ["--format", fmt]
        result = run("workpapers", *args, *extra)
        assert result.exit_code == 0, result.output
        text = result.output
        if fmt == "xlsx":
            book = openpyxl.load_workbook(tmp_path / "wp.xlsx")
            assert book.sheetnames == ["workpapers", "history"]
            text += "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                              if v is not None)
        return text

    assert not leaks(written())
    assert open_store(url=run.url, user="ann").reveals().empty
    if fmt != "table":  # the table shows no messages
        assert leaks(written("--reveal"))
        assert open_store(url=run.url, user="ann").reveals()["reason"].tolist() == ["--reveal"]
