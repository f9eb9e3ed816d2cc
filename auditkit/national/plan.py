"""Which providers a national run audits: the ILR files under a folder, grouped by the UKPRN their names give
(``ILR-<UKPRN>-<year>-...``, the ESFA's naming), and the case's other inputs found beside them."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from auditkit.errors import InputError
from auditkit.readers.discover import CaseFiles, find_case

#: The UKPRN in an ILR file's name.
PROVIDER_FILE = re.compile(r"^ILR-(\d{8})-", re.IGNORECASE)
#: The case-wide inputs, one column each in a plan (the same on every row).
INPUT_COLUMNS = ("contracts", "manifest", "documents", "employers")
#: The columns of a plan (:func:`plan_national`).
PLAN_COLUMNS = ("ukprn", "unit", "source", "return_id", "order", *INPUT_COLUMNS)


def plan_national(folder: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The plan of a national run over ``folder``: one row per ILR file (``ukprn`` from its name, ``unit``: what
    the reader is given, the file or the zip holding it; ``source``: the file's name as findings cite it;
    ``return_id``; ``order``: its place in a single-process read), with the case's contracts, evidence manifest,
    documents folder and employer register as columns; and the files whose names give no UKPRN (not audited:
    the caller reports them). Raises :class:`InputError` for a missing folder or one without ILR returns."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (a national run reads a folder of providers' returns)")
    files = find_case([folder])
    if not files.ilr:
        raise InputError(f"{folder}: no ILR returns found (files named ILR-<UKPRN>-<year>-....xml, or zips of them, "
                         "at any depth)")
    rows, unnamed = [], []
    for order, source in enumerate(files.ilr):
        match = PROVIDER_FILE.match(source.file_name)
        if match is None:
            unnamed.append(source.name)
            continue
        rows.append({"ukprn": int(match[1]), "unit": str(source.path), "source": source.name,
                     "return_id": Path(source.file_name).stem, "order": order,
                     **{c: _text(getattr(files, c)) for c in INPUT_COLUMNS}})
    if not rows:
        raise InputError(f"{folder}: no ILR file is named ILR-<UKPRN>-...: a national run groups the returns by the "
                         f"UKPRN in their names ({', '.join(unnamed[:3])})")
    plan = pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
    return plan.astype({"ukprn": "int64", "order": "int64"}), unnamed


def case_files(plan: pd.DataFrame) -> CaseFiles:
    """The case inputs besides the ILR returns that a plan's rows name."""
    first = plan.iloc[0] if len(plan) else pd.Series(dtype=object)

    def path(column: str) -> Path | None:
        return Path(first[column]) if column in first and pd.notna(first[column]) else None

    return CaseFiles(contracts=path("contracts"), manifest=path("manifest"), documents=path("documents"),
                     employers=path("employers"))


def _text(path: Path | None) -> str | None:
    return str(path) if path is not None else None
