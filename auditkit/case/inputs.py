"""Where a case's evidence and employer register come from, and reading them."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd

from auditkit.readers.discover import EMPLOYER_PATTERNS, CaseFiles, InputError, find_case
from auditkit.readers.employers import read_employers
from auditkit.readers.evidence import EvidenceData, read_evidence


def evidence_inputs(path: str | Path) -> tuple[Path | None, Path | None, Path | None]:
    """(manifest, document folder, employer register) named by ``--evidence``.

    A folder is searched by the conventions of a case folder (``auditkit.readers.discover``: ``*manifest*.csv``
    or ``.xlsx``, a folder named ``documents``, ``*employer*.csv`` or ``.xlsx``, at any depth); a folder with
    neither a manifest nor a ``documents`` folder is itself the document folder. A manifest file comes with the
    ``documents`` folder and the employer register beside it (in the same folder), if any."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder (given as --evidence)")
    if path.is_file():
        beside = path.parent / "documents"
        registers = sorted(p for p in path.parent.iterdir() if p.is_file() and p != path
                           and any(fnmatch.fnmatch(p.name.lower(), pat) for pat in EMPLOYER_PATTERNS))
        return path, beside if beside.is_dir() else None, registers[0] if registers else None
    found = find_case([path])
    if found.manifest is None and found.documents is None:  # the folder is the document folder itself
        register = found.employers if found.employers is not None and found.employers.parent == path else None
        return None, path, register
    return found.manifest, found.documents, found.employers


def load_evidence(case: CaseFiles, learners: pd.DataFrame) -> EvidenceData | None:
    """The case's evidence (manifest and/or documents, checked against the ILR ``learners``) with its employer
    register; None when the case has no manifest and no document folder."""
    if case.manifest is None and case.documents is None:
        return None
    evidence = read_evidence(case.manifest, case.documents, learners=learners)
    if case.employers is None:
        return evidence
    register = read_employers(case.employers)
    return evidence.with_employers(register.employers, register.problems, columns=register.columns,
                                   source=register.source)


def load_employers(case: CaseFiles, evidence: EvidenceData | None) -> pd.DataFrame | None:
    """The employer register frame: the evidence's, else read from the case's register file; None without one."""
    if evidence is not None and evidence.employers is not None:
        return evidence.employers
    return read_employers(case.employers).employers if case.employers is not None else None
