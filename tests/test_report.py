"""`auditkit report`: the sections as frames, the HTML page that opens offline with every chart drawn, the
workbook whose cells are the frames, the PDF, masked by default."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from auditkit.report import build_report, workbook_sheets
from auditkit.report.display import ReportPage
from auditkit.report.sections import findings_by_rule, kpi_status, scope
from auditkit.rules import get_rules
from auditkit.workpapers import open_store
from auditkit.writers.tables import POUNDS_FORMAT
from tests.browser import browser_page, chromium_or_skip, screenshot
from tests.conftest import SAMPLES
from tests.test_first_runs import run_apart
from tests.test_privacy_commands import leaks


def test_scope_counts_the_returns_and_learners_audited(samples_case) -> None:
    table = scope(samples_case)
    assert list(table["ukprn"]) == sorted(samples_case.context.returns["ukprn"].unique())
    assert table["returns_audited"].sum() == len(samples_case.context.returns)
    assert table["returns_read"].sum() == len(samples_case.loaded.returns)
    assert table["learners"].sum() == len(samples_case.context.learners.drop_duplicates(["ukprn", "learn_ref_number"]))


def test_findings_by_rule_add_up_and_carry_the_pounds_they_block(samples_case) -> None:
    table = findings_by_rule(samples_case)
    assert table["findings"].sum() == len(samples_case.findings)
    ms = samples_case.milestones
    blocked = ms[ms["claimed"].astype(bool) & ms["blocked_by"].str.split(",").apply(lambda ids: "W5_M1_01" in ids)]
    row = table.set_index("rule_id").loc["W5_M1_01"]
    assert row["blocks_pounds"] == pytest.approx(blocked["amount_claimed"].sum()) and row["blocks_pounds"] > 0
    assert list(table["severity"]).index("warning") > list(table["severity"]).index("no-pay")


def test_kpi_status_is_one_row_per_provider_and_kpi(samples_case) -> None:
    status = kpi_status(samples_case, 10090002)
    assert status["kpi"].is_unique and set(status["ukprn"]) == {10090002}
    assert set(status["status"].dropna()) <= {"green", "amber", "red", "not-evaluated"}


def test_tables_format_pounds_and_escape_text() -> None:
    html = ReportPage().table(pd.DataFrame({"amount_claimed": [1234.5], "note": ["<script>x</script>"],
                                            "status": ["red"]}))
    assert "£1,234.50" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert 'class="num"' in html and "#b2182b" in html


@pytest.fixture(scope="module")
def built(samples_case, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("report")
    store = f"sqlite:///{out / 'workpapers.sqlite'}"  # not the shipped samples' folder
    return out, build_report(samples_case, SAMPLES, out, pdf=bool(_has_chromium()), store_url=store)


def _has_chromium() -> bool:
    try:
        chromium_or_skip()
    except pytest.skip.Exception:
        return False
    return True


def test_the_page_is_self_contained_and_masked(built, samples_case) -> None:
    _, files = built
    page = files.html.read_text(encoding="utf-8")
    assert not re.findall(r'<script[^>]+src="https?://', page), "the report must not load scripts from the network"
    assert page.count('class="plotly-graph-div') == len(samples_case.context.returns["ukprn"].unique()) * 3
    assert "Skills Bootcamp funding audit" in page and "personal data masked" in page
    shown = re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)  # plotly.js itself names countries and people
    for rule in get_rules(None):  # the catalogue's own words (W5_PC_01 names the unknown postcode)
        shown = shown.replace(html.escape(rule.summary, quote=False), "")
    assert leaks(shown) == [], "personal data must be masked"
    assert "auditkit.open_case(" not in page and "sections.scope(" not in page, "the code is hidden"


def test_the_workbook_cells_are_the_frames(built, samples_case) -> None:
    out, files = built
    book = load_workbook(files.workbook)
    with open_store(url=f"sqlite:///{out / 'workpapers.sqlite'}") as store:
        sheets = workbook_sheets(samples_case, store=store)
    assert book.sheetnames == list(sheets)
    for name, frame in sheets.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == list(frame.columns), name
        assert sheet.max_row == len(frame) + 1, name
        text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str))
        for rule in get_rules(None):  # the catalogue's own words (W5_PC_01 names the unknown postcode)
            text = text.replace(rule.summary, "")
        assert leaks(text) == [], f"personal data in sheet {name}"
    milestones = book["milestones"]
    header = [c.value for c in milestones[1]]
    col = header.index("amount_claimed") + 1
    first = samples_case.milestones["amount_claimed"].iloc[0]
    assert milestones.cell(2, col).value == pytest.approx(float(first))
    assert milestones.cell(2, col).number_format == POUNDS_FORMAT
    assert milestones.freeze_panes == "A2" and milestones.auto_filter.ref
    date_col = header.index("learn_start_date") + 1
    assert milestones.cell(2, date_col).is_date


def test_the_page_opens_offline_with_every_chart_drawn(built) -> None:
    out, files = built
    with browser_page(offline=True) as page:
        page.goto(files.html.as_uri())
        page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0", timeout=20_000)
        charts = page.eval_on_selector_all(".plotly-graph-div", "els => els.map(e => !!e.querySelector('.main-svg'))")
        screenshot(page, "test_report", "report")
        assert charts and all(charts), f"{charts.count(False)} of {len(charts)} charts not drawn"
        assert page.blocked == [], f"the page asked the network for {page.blocked[:3]}"


def test_the_pdf_is_the_report(built) -> None:
    chromium_or_skip()
    _, files = built
    reader = PdfReader(files.pdf)
    assert len(reader.pages) >= 3
    assert "Skills Bootcamp funding audit" in reader.pages[0].extract_text()


def test_the_command_refuses_an_unknown_provider_and_several_cases(tmp_path: Path) -> None:
    result = run_apart("report", SAMPLES, "--out", tmp_path / "r", "--provider", "123")
    assert result.exit_code == 2 and "provider 123 is not in the returns audited" in result.stderr
    result = run_apart("report", SAMPLES, SAMPLES, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "one case folder" in result.stderr


def test_scope_lists_unknown_periods_without_failing(samples_case) -> None:
    from auditkit.report.sections import _listed

    assert _listed(pd.Series(["R08", None, "R04", "R08"], dtype="string")) == "R04, R08, (unknown)"
    assert _listed(pd.Series([], dtype="string")) == ""
