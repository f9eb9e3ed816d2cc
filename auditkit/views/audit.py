"""One audit, every output: the tables ``check``, ``milestones`` and ``kpis`` write, from one case, into one folder.

:func:`audit_tables` names the frames (masked unless ``reveal``); :func:`write_audit` writes them as CSV or JSON
files (the CSVs byte for byte what the single commands write with ``--out X.csv``) or as the sheets of one workbook
``audit.xlsx``, with a ``README.txt`` (:func:`audit_summary`): what was written, the notes the commands print and the
totals.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditkit.case import Case
from auditkit.facts.scope import read_problem_returns
from auditkit.funding.milestones import EVIDENCE_COUNTING
from auditkit.privacy import mask_frame
from auditkit.views.notes import case_notes, evidence_problems_line
from auditkit.views.tables import money
from auditkit.writers.tables import OutputError, prepare_folder, to_csv, to_json, write_xlsx

#: The formats :func:`write_audit` writes.
AUDIT_FORMATS = ("csv", "xlsx", "json")
#: The workbook ``--format xlsx`` writes.
WORKBOOK = "audit.xlsx"
#: The summary written beside the tables.
README = "README.txt"
#: Severities in the order the summary counts them.
_SEVERITIES = ("no-pay", "error", "warning", "not-evaluated")
#: The pounds the summary totals: label, column of the provider totals.
_MONEY = (("claimed", "amount_claimed"), ("earned", "amount_due"), ("at risk (ILR)", "at_risk"),
          ("at risk (evidence)", "at_risk_evidence"))


@dataclass(frozen=True)
class AuditTable:
    """One output of an audit: its ``name`` (the file's stem; the sheet's name with spaces), its ``frame``, the
    ``float_format`` its CSV uses (the single command's) and what a row is."""

    name: str
    frame: pd.DataFrame
    what: str
    float_format: str | None = None

    @property
    def sheet(self) -> str:
        return self.name.replace("-", " ")


def audit_tables(case: Case, reveal: bool = False) -> list[AuditTable]:
    """The outputs of an audit of ``case``: findings and their summary per provider, milestones, the funding
    summary and provider totals, KPI values and members, the evidence problems (with evidence) and the returns
    read with problems. Personal values are masked unless ``reveal`` (revealing the findings is logged)."""
    findings = case.revealed_findings("audit --reveal") if reveal else case.findings
    tables = [
        AuditTable("findings", findings, "findings"),
        AuditTable("findings-summary", case.summarise(findings), "providers"),
        AuditTable("milestones", mask_frame(case.milestones, reveal=reveal), "milestones", "%.2f"),
        AuditTable("funding", case.funding, "provider, aim and milestone rows", "%.2f"),
        AuditTable("funding-providers", case.funding_by_provider, "providers", "%.2f"),
        AuditTable("kpis", case.kpis.values, "KPI values"),
        AuditTable("kpi-members", mask_frame(case.kpis.members, reveal=reveal), "KPI members"),
    ]
    if case.evidence is not None:
        tables.append(AuditTable("evidence-problems", mask_frame(case.evidence.problems, reveal=reveal),
                                 "evidence problems"))
    tables.append(AuditTable("read-problems", read_problem_returns(case.loaded, case.data), "files read with problems"))
    return tables


def write_audit(case: Case, folder: Path, fmt: str = "csv", reveal: bool = False) -> list[tuple[Path, int]]:
    """Write the :func:`audit_tables` of ``case`` into ``folder`` (made if missing): a file each (``fmt`` csv or
    json), or the sheets of one workbook ``audit.xlsx`` (xlsx); then ``README.txt``, the :func:`audit_summary`.

    Gives (file, rows) of each table written (for xlsx: the workbook with the rows of each sheet). Raises
    :class:`~auditkit.writers.tables.OutputError` for a ``folder`` that is a file or an unknown ``fmt``."""
    if fmt not in AUDIT_FORMATS:
        raise OutputError(f"audit writes {', '.join(AUDIT_FORMATS)}, not {fmt}")
    prepare_folder(folder)
    tables = audit_tables(case, reveal)
    written: list[tuple[Path, int]] = []
    if fmt == "xlsx":
        write_xlsx({t.sheet: t.frame for t in tables}, folder / WORKBOOK)
        written = [(folder / WORKBOOK, len(t.frame)) for t in tables]
    else:
        for t in tables:
            path = folder / f"{t.name}.{fmt}"
            text = to_csv(t.frame, float_format=t.float_format) if fmt == "csv" else to_json(t.frame)
            path.write_text(text, encoding="utf-8")
            written.append((path, len(t.frame)))
    (folder / README).write_text(audit_summary(case, written, tables, reveal), encoding="utf-8")
    return written


def audit_notes(case: Case) -> list[str]:
    """What the single commands say beside their outputs: returns read with problems, warnings about the returns
    used, paths not used, how evidence findings count, KPIs not evaluated, evidence problems."""
    lines = case_notes(case, evidence_line=EVIDENCE_COUNTING)
    lines += case.kpis.notes
    problems = evidence_problems_line(case)
    if problems:
        lines.append(problems.replace("--format table lists them", "evidence-problems lists them"))
    return lines


def audit_summary(case: Case, written: list[tuple[Path, int]], tables: list[AuditTable], reveal: bool) -> str:
    """The ``README.txt`` of an audit (and what ``auditkit audit`` prints): the files (or sheets) written with
    their rows, the notes, the findings by severity and the pounds claimed, earned and at risk."""
    lines = [f"auditkit audit: {len(case.data.returns)} returns of {case.data.returns['ukprn'].nunique()} providers; "
             + ("personal data shown unmasked (--reveal)." if reveal else "personal data masked."), "",
             f"Written into {written[0][0].parent}:"]
    names = [p.name if p.name != WORKBOOK else f"{WORKBOOK} [{t.sheet}]" for (p, _), t in zip(written, tables,
                                                                                              strict=True)]
    pad = max(len(n) for n in names)
    lines += [f"  {n:<{pad}}  {rows:>6} {t.what}" for n, (_, rows), t in zip(names, written, tables, strict=True)]
    notes = audit_notes(case)
    if notes:
        lines += ["", "Notes:", *(part for n in notes for part in textwrap.wrap(
            n, width=110, initial_indent="  ", subsequent_indent="      ", break_long_words=False,
            break_on_hyphens=False))]
    severity = case.findings["severity"].value_counts()
    shown = [s for s in _SEVERITIES if s != "not-evaluated" or s in severity.index]
    shown += sorted(set(severity.index) - set(shown))
    counts = ", ".join(f"{s} {int(severity.get(s, 0))}" for s in shown)
    lines += ["", f"Findings: {len(case.findings)}" + (f" ({counts})" if counts else "")]
    totals = case.funding_by_provider
    lines.append("Funding: " + "; ".join(f"{label} £{money(round(float(totals[c].sum()), 2)) or '0.00'}"
                                         for label, c in _MONEY))
    return "\n".join(lines) + "\n"
