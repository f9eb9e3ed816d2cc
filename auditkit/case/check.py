"""Check a case: read its inputs, run the rules, and summarise the findings (what ``auditkit check`` does)."""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from auditkit.facts.context import WAVE_WINDOW
from auditkit.facts.scope import choose_returns
from auditkit.frames.findings import NOT_EVALUATED, SEVERITIES, SEVERITY_ORDER
from auditkit.privacy import mask_frame
from auditkit.readers.contracts import Contracts, read_contracts
from auditkit.readers.discover import EMPLOYER_PATTERNS, CaseFiles, InputError, find_case, require_ilr
from auditkit.readers.employers import read_employers
from auditkit.readers.evidence import EvidenceData, read_evidence
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.rules import RuleContext, run_rules

log = logging.getLogger("auditkit.privacy")


@dataclass
class CheckResult:
    """What a check read and found.

    ``findings`` are masked (personal values in ``value`` and ``message`` hidden, as every display shows them);
    :meth:`revealed_findings` gives them unmasked, a deliberate act that is logged."""

    case: CaseFiles
    data: ILRData
    contracts: Contracts | None
    context: RuleContext
    raw_findings: pd.DataFrame = field(repr=False)
    evidence: EvidenceData | None = None  # documents, their problems and the employer register, when given
    loaded: ILRData | None = None  # every return read, before --return / --as-of chose among them

    @property
    def findings(self) -> pd.DataFrame:
        """Every finding, personal values masked."""
        cached = self.__dict__.get("_masked")
        if cached is None:
            cached = self.__dict__["_masked"] = mask_frame(self.raw_findings)
        return cached

    def revealed_findings(self, reason: str = "") -> pd.DataFrame:
        """Every finding with personal values shown: a deliberate act, logged on the ``auditkit.privacy`` logger."""
        log.warning("personal data revealed: %d findings unmasked%s", len(self.raw_findings),
                    f" ({reason})" if reason else "")
        return self.raw_findings


def check_case(paths: Iterable[str | Path], *, contracts: str | Path | None = None,
               postcodes: str | Path | None = None, rules: list[str] | None = None, all_returns: bool = False,
               wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW, progress: bool | None = None,
               evidence: str | Path | None = None, employers: str | Path | None = None,
               returns: Iterable[str | Path] = (), as_of: dt.date | str | None = None) -> CheckResult:
    """Read the ILR returns (and contracts, found by convention or given) under ``paths`` and run the rules.

    Evidence (a manifest and/or a ``documents`` folder) and an employer register are found by convention in the
    case folder, or given: ``evidence`` is a manifest file or a folder (see :func:`evidence_inputs`; it is
    searched like a case folder, for the manifest, the documents and the employer register). An explicit
    ``employers`` wins over a register found with the evidence, which wins over the case folder's. When there is
    evidence, the EV_* checks run with the rules.

    ``as_of`` and ``returns`` choose the returns audited (see :func:`auditkit.facts.scope.choose_returns`). Raises
    :class:`InputError` when ``paths`` hold no ILR file."""
    paths = list(paths)
    manifest, documents, register = evidence_inputs(evidence) if evidence is not None else (None, None, None)
    case = find_case(paths, contracts=contracts, manifest=manifest, documents=documents,
                     employers=employers if employers is not None else register)
    if evidence is not None:  # what --evidence names replaces the case folder's manifest and documents
        case.manifest, case.documents = manifest, documents
    require_ilr(paths, case.ilr)
    loaded = read_ilr(paths, progress=progress)
    data = choose_returns(loaded, returns=returns, as_of=as_of)
    contract_data = read_contracts(case.contracts) if case.contracts else None
    directory = None
    if postcodes:
        from auditkit.reference.tables import read_postcode_directory

        directory = read_postcode_directory(postcodes)
    evidence_data = load_evidence(case, data)
    ctx = RuleContext(data, contract_data, all_returns=all_returns, wave_window=wave_window,
                      postcode_directory=directory, evidence=evidence_data)
    return CheckResult(case, data, contract_data, ctx, run_rules(ctx, rules), evidence_data, loaded)


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


def load_evidence(case: CaseFiles, data: ILRData) -> EvidenceData | None:
    """The case's evidence (manifest and/or documents, checked against the ILR learners) with its employer
    register; None when the case has no manifest and no document folder."""
    if case.manifest is None and case.documents is None:
        return None
    evidence = read_evidence(case.manifest, case.documents, learners=data.learners)
    if case.employers is None:
        return evidence
    register = read_employers(case.employers)
    return evidence.with_employers(register.employers, register.problems, columns=register.columns,
                                   source=register.source)


def filter_severity(findings: pd.DataFrame, severity: str | None) -> pd.DataFrame:
    """Findings at least as severe as ``severity`` (no-pay > error > warning); not-evaluated ones are kept."""
    if severity is None:
        return findings
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    rank = findings["severity"].map(SEVERITY_ORDER)
    keep = (rank <= SEVERITY_ORDER[severity]) | (findings["severity"] == NOT_EVALUATED)
    return findings[keep.fillna(False)].reset_index(drop=True)


def summary_by_provider(findings: pd.DataFrame, contracts: Contracts | None = None,
                        providers: Iterable[int] = ()) -> pd.DataFrame:
    """Counts of findings per provider and severity, and learners concerned: one row per provider with findings
    and per provider in ``providers`` (those without findings show zeros)."""
    columns = [*SEVERITIES, NOT_EVALUATED]
    ukprns = sorted({int(u) for u in findings["ukprn"].dropna()} | {int(u) for u in providers if pd.notna(u)})
    counts = pd.crosstab(findings["ukprn"], findings["severity"]) if len(findings) else pd.DataFrame()
    counts = counts.reindex(index=pd.Index(ukprns, name="ukprn"), columns=columns, fill_value=0)
    learners = findings.dropna(subset=["learn_ref_number"]).groupby("ukprn")["learn_ref_number"].nunique()
    counts["learners"] = learners.reindex(counts.index)
    counts = counts.fillna(0).astype(int).reset_index()
    counts.insert(1, "provider", provider_names(counts["ukprn"], contracts))
    return counts


def provider_names(ukprns: pd.Series, contracts: Contracts | None) -> pd.Series:
    """The contract's name of each provider, ``(no contract)`` where none is known (text, whatever the dtypes)."""
    names: dict[int, str] = {}
    if contracts is not None:
        names = {int(u): str(n) for u, n in zip(contracts.contracts["ukprn"], contracts.contracts["provider"],
                                                strict=True) if pd.notna(u) and pd.notna(n)}
    return pd.Series([names.get(int(u), "(no contract)") if pd.notna(u) else "(no provider)" for u in ukprns],
                     index=ukprns.index, dtype="string")


def fails(findings: pd.DataFrame, severity: str) -> bool:
    """True when a finding at least as severe as ``severity`` exists (for ``--fail-on``)."""
    rank = findings["severity"].map(SEVERITY_ORDER)
    return bool((rank <= SEVERITY_ORDER[severity]).any())
