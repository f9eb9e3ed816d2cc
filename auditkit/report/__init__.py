"""``auditkit report``: the audit report as a self-contained HTML page, a workbook, and a PDF.

:func:`build_report` runs the report notebook (``template.ipynb``, shipped in the package; its parameters cell
first) with papermill, converts it to HTML with the code hidden and plotly.js embedded (so it opens with no
network), writes the workbook of the same frames, and, with ``pdf``, prints the page with headless Chromium.
Personal data are masked unless ``reveal`` (which the caller logs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from auditkit.case import Case
from auditkit.errors import InputError
from auditkit.privacy import PERSONAL_COLUMNS, mask_frame
from auditkit.report import sections
from auditkit.report.workpaper_sections import sample_section
from auditkit.workpapers import Store, case_workpapers, open_store
from auditkit.writers.tables import prepare_folder, write_xlsx

TEMPLATE = "template.ipynb"
#: The notebook's kernel: ``python3`` is ipykernel's kernel of this interpreter (jupyter_client runs it with
#: ``sys.executable``).
KERNEL = "python3"
#: Chromium's names on Debian and elsewhere, tried in order (``AUDITKIT_CHROMIUM`` first when set).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`build_report` wrote."""

    html: Path
    notebook: Path
    workbook: Path
    pdf: Path | None = None


def template_path() -> Path:
    """The report notebook shipped in the package."""
    return Path(str(resources.files("auditkit.report").joinpath(TEMPLATE)))


def workbook_sheets(case: Case, provider: int | None = None, reveal: bool = False,
                    store: Store | None = None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: scope, findings by rule, findings, milestones, funding summary, KPIs, KPI values and
    trends, and with a store the latest sample (with misstatements), the verdicts and their history; then read
    problems (personal values masked unless ``reveal``)."""
    p = provider
    findings = case.raw_findings if reveal else case.findings
    papers: dict[str, pd.DataFrame] = {}
    if store is not None:
        section = sample_section(case, store)
        if section is not None:
            papers["sample"] = section.items
        papers["verdicts"] = sections.for_provider(case_workpapers(case, store, reveal=reveal), p)
        history = store.history()
        papers["history"] = history[history["check_id"].isin(papers["verdicts"]["check_id"])].reset_index(drop=True)
    return {
        "scope": sections.scope(case, p),
        "findings by rule": sections.findings_by_rule(case, p),
        "findings": sections.for_provider(findings, p),
        "milestones": sections.for_provider(case.milestones, p),
        "funding": sections.funding_table(case, p),
        "kpis": sections.kpi_status(case, p),
        "kpi values": sections.for_provider(case.kpis.values, p),
        "kpi trends": sections.for_provider(case.trends, p),
        **papers,
        "read problems": mask_frame(sections.read_problems(case, p), reveal=reveal),
    }


def build_report(case: Case, case_path: Path, out: Path, *, provider: int | None = None, pdf: bool = False,
                 reveal: bool = False, inputs: dict[str, str] | None = None, store_url: str | None = None,
                 timeout: int = 600) -> ReportFiles:
    """Write ``report.html``, ``report.ipynb`` (the executed notebook), ``report.xlsx`` and, with ``pdf``,
    ``report.pdf`` into ``out``. ``case`` is the opened ``case_path`` (for the workbook; the notebook opens
    the case itself, with ``inputs``: CONTRACTS, EVIDENCE, EMPLOYERS, AS_OF as the template names them).
    Raises :class:`InputError` when the notebook fails (naming the cell's error) or Chromium is missing for the
    PDF."""
    import papermill
    from nbconvert import HTMLExporter

    if provider is not None and int(provider) not in set(case.data.returns["ukprn"].astype(int)):
        raise InputError(f"provider {provider} is not in the returns audited "
                         f"({', '.join(str(u) for u in sorted(case.data.returns['ukprn'].unique()))})")
    prepare_folder(out)
    store = open_store(case, store_url)
    if reveal:
        store.log_reveal(provider, None, sorted(PERSONAL_COLUMNS), "auditkit report --reveal")
    executed = out / "report.ipynb"
    try:
        papermill.execute_notebook(
            str(template_path()), str(executed), kernel_name=KERNEL, progress_bar=False, cwd=str(out),
            parameters={"CASE": str(Path(case_path).resolve()), "PROVIDER": int(provider or 0), "REVEAL": bool(reveal),
                        "STORE": store_url or "", **{k: str(v) for k, v in (inputs or {}).items()}},
            execution_timeout=timeout)
    except papermill.PapermillExecutionError as error:
        raise InputError(f"the report notebook stopped in cell {error.exec_count}: {error.ename}: "
                         f"{error.evalue}") from error
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata.pop("widgets", None)  # no widget state: nbconvert would load its renderer from the network
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(notebook)
    page = out / "report.html"
    page.write_text(offline(body), encoding="utf-8")
    workbook = out / "report.xlsx"
    write_xlsx(workbook_sheets(case, provider, reveal, store), workbook)
    store.close()
    printed = print_pdf(page, out / "report.pdf") if pdf else None
    return ReportFiles(page, executed, workbook, printed)


def offline(page: str) -> str:
    """The HTML page without the scripts nbconvert's template loads from the network (MathJax, require.js): the
    report has no formulas, and plotly.js is embedded in it."""
    import re

    return re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", page)



def chromium() -> str:
    """The Chromium executable, or :class:`InputError` saying how to install it."""
    for name in (os.environ.get("AUDITKIT_CHROMIUM"), *CHROMIUM_NAMES):
        if name and (found := shutil.which(name)):
            return found
    raise InputError("printing the report to PDF needs Chromium: install it (Debian: apt-get install chromium) or "
                     "set AUDITKIT_CHROMIUM to its path")


def print_pdf(page: Path, pdf: Path, timeout: int = 120) -> Path:
    """Print ``page`` to ``pdf`` with headless Chromium (its charts drawn first)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="auditkit-chromium-") as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--run-all-compositor-stages-before-draw",
                   "--virtual-time-budget=15000", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                   page.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not pdf.exists():
        raise InputError(f"Chromium could not print {page} to PDF: {done.stderr.strip()[-300:]}")
    return pdf


__all__ = ["ReportFiles", "build_report", "chromium", "print_pdf", "template_path", "workbook_sheets"]
