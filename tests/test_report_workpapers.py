"""The report's workpaper parts: the sample and its evaluation, verdicts and open queries, sign-offs, the workbook's
sample, verdicts and history sheets, a reveal logged in the store; and no exported cell that starts a formula,
whatever the provider wrote in learner fields, manifest notes or employer names, or the auditor in a note."""

from __future__ import annotations

import csv
import re
import shutil

import openpyxl
import pytest

from auditkit import open_case
from auditkit.report import build_report
from auditkit.report.workpaper_sections import open_queries, sample_section, signoff_summary, verdict_summary
from auditkit.workpapers import case_workpapers, open_store
from auditkit.workpapers.samples import record_sample
from tests.conftest import SAMPLES
from tests.test_audit_command import _number
from tests.test_first_runs import run_apart

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def folder(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(SAMPLES, case, ignore=shutil.ignore_patterns(".auditkit"))
    return case


def test_sections_from_the_store(folder) -> None:
    case = open_case(folder, progress=False)
    with open_store(case) as store:
        papers = case_workpapers(case, store)
        assert sample_section(case, store) is None
        record_sample(store, case.draw_sample("random", 4, seed=2))
        section = sample_section(case, store)
        assert section is not None and len(section.items) == 4 and "Not evaluated yet" in section.conclusion
        stage = papers[papers["kind"] == "stage"]["check_id"].iloc[0]
        store.record(stage, "query", "which employer signed this?")
        store.signoff(stage, "preparer", user="ann")
        papers = case_workpapers(case, store)
    summary = verdict_summary(papers)
    assert summary["checks"].sum() == len(papers)
    queries = open_queries(papers)
    assert list(queries["check_id"]) == [stage] and queries["note"].iloc[0] == "which employer signed this?"
    signed = signoff_summary(papers).set_index(["role", "user"])["checks"]
    assert signed[("preparer", "ann")] == 1 and signed[("reviewer", "(not signed off)")] == 1


def test_the_report_carries_the_workpapers_and_logs_a_reveal(folder, tmp_path) -> None:
    case = open_case(folder, progress=False)
    with open_store(case) as store:
        record_sample(store, case.draw_sample("random", 4, seed=2))
    files = build_report(case, folder, tmp_path / "report", reveal=True)
    book = openpyxl.load_workbook(files.workbook)
    assert {"sample", "verdicts", "history"} <= set(book.sheetnames)
    assert book["sample"].max_row == 5
    page = files.html.read_text(encoding="utf-8")
    assert "The sample and its evaluation" in page and "Sample 1: random sample of 4" in page
    with open_store(case) as store:
        log = store.reveals()
    assert "auditkit report --reveal" in set(log["reason"])


def _poison(folder) -> None:
    """Hostile text in a learner's name, the manifest's notes and an employer's name, in the provider's files."""
    register = folder / "employers.csv"
    text = register.read_text(encoding="utf-8").replace("Halesowen Precision Engineering Ltd", "@SUM(A1) Ltd")
    register.write_text(text, encoding="utf-8")
    manifest = folder / "evidence" / "manifest.csv"
    rows = list(csv.reader(manifest.open(encoding="utf-8", newline="")))
    notes = rows[0].index("notes")
    for row, value in zip(rows[1:7], HOSTILE, strict=False):
        row[notes] = value
    with manifest.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    ilr = next((folder / "ilr" / "foundry-lane-digital").glob("*20250404*.xml"))
    xml = ilr.read_text(encoding="utf-8")
    xml = re.sub(r"<FamilyName>[^<]*</FamilyName>", "<FamilyName>=HYPERLINK(1)</FamilyName>", xml, count=3)
    ilr.write_text(xml, encoding="utf-8")


def _risky(values: list[str]) -> list[str]:
    return [v for v in values if v.startswith(FORMULA_STARTS) and not _number(v)]


def test_no_exported_cell_starts_a_formula(folder, tmp_path) -> None:
    _poison(folder)
    case = open_case(folder, progress=False)
    with open_store(case) as store:
        papers = case_workpapers(case, store)
        store.record(papers["check_id"].iloc[0], "query", "=cmd|'/c calc'!A1")
    report = run_apart("report", folder, "--out", tmp_path / "r", "--reveal")
    assert report.exit_code == 0, report.stderr
    book = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=HYPERLINK(1)" in texts, "the revealed hostile family name reached the workbook, defused"
    assert "'=cmd|'/c calc'!A1" in texts, "the auditor's note too"
    assert _risky(texts) == []
    for command in (["audit", folder, "--out", tmp_path / "a", "--reveal"],
                    ["workpapers", folder, "--format", "csv", "--reveal"]):
        result = run_apart(*command)
        assert result.exit_code == 0, result.stderr
    written = [v for p in (tmp_path / "a").glob("*.csv") for row in csv.reader(p.open(encoding="utf-8", newline=""))
               for v in row]
    written += [v for row in csv.reader(result.stdout.splitlines()) for v in row]
    assert any(v.startswith("'") for v in written) and _risky(written) == []
