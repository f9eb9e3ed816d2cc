"""What a command says about a case beside its table: files read with problems, paths not used, how evidence
findings count, and the evidence problems (bad manifest, register and folder rows)."""

from __future__ import annotations

import textwrap

import pandas as pd

from auditkit.case import Case
from auditkit.privacy import mask_frame

#: What ``check`` says of evidence findings, beside the milestones' own line.
CHECK_EVIDENCE_NOTE = ("Evidence findings (EV_*) do not change what the ILR earns; `auditkit milestones` shows the "
                       "earned pounds they put at risk ('at risk (evidence)').")


def wrap(text: str, width: int, indent: int) -> list[str]:
    """``text`` wrapped to ``width``, every line indented by ``indent`` (words and hyphenated names never cut)."""
    pad = " " * indent
    return textwrap.wrap(text, width=width, initial_indent=pad, subsequent_indent=pad, break_long_words=False,
                         break_on_hyphens=False) or [pad]


def case_notes(case: Case, evidence_line: str | None = None) -> list[str]:
    """The returns read with problems, warnings about the returns used, the paths in the case folder not used,
    and (with evidence) ``evidence_line``."""
    lines = list(case.read_notes)
    skipped = case.files.skipped
    if skipped:
        lines.append(f"{len(skipped)} path{'s' if len(skipped) != 1 else ''} in the case folder not used:")
        lines += [f"  {s.path} {s.reason}" for s in skipped[:10]]
        if len(skipped) > 10:
            lines.append(f"  ... and {len(skipped) - 10} more")
    if evidence_line and case.evidence is not None:
        lines.append(evidence_line)
    return lines


def notes_text(lines: list[str], width: int) -> str:
    """Note lines as they head a table: wrapped to ``width`` (continuations indented), then a blank line."""
    if not lines:
        return ""
    wrapped = [part for line in lines for part in (
        textwrap.wrap(line, width=width, subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
        or [""])]
    return "\n".join(wrapped) + "\n\n"


def evidence_sheets(case: Case) -> dict[str, pd.DataFrame]:
    """The evidence problems (masked) as a workbook sheet beside the findings; none without problems."""
    if case.evidence is None or not len(case.evidence.problems):
        return {}
    return {"evidence problems": mask_frame(case.evidence.problems)}


def evidence_problems_text(case: Case, width: int) -> str:
    """The evidence problems (bad manifest, register and folder rows), as they follow the findings table."""
    if case.evidence is None:
        return ""
    problems = mask_frame(case.evidence.problems)
    head = (f"Evidence: {len(case.evidence.evidence)} documents read; {len(problems)} problems"
            + (" (file, row, reason):" if len(problems) else "."))
    lines = ["", head]
    for p in problems.itertuples(index=False):
        row = f" row {p.row}" if not pd.isna(p.row) else ""
        lines += wrap(f"{p.check_id}: {p.file}{row}: {p.reason} ({p.outcome})", width, 2)
    return "\n".join(lines) + "\n"


def evidence_problems_line(case: Case) -> str | None:
    """What ``check`` says on stderr beside CSV, JSON and XLSX when there are evidence problems."""
    if case.evidence is None or not len(case.evidence.problems):
        return None
    return (f"{len(case.evidence.problems)} evidence problems (rows not read as expected); "
            "--format table lists them.")
