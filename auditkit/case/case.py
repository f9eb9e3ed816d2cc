"""One audit case: its inputs read once, its results computed when first asked for and kept.

:func:`open_case` finds a case's inputs (ILR returns, contracts, evidence, employer register) under the paths given,
reads the ILR returns and chooses the returns audited. Everything else is read or computed at first use, once:
the contracts, evidence, employer register and postcode directory; the rule context, the findings, the milestones,
the funding, the KPIs, their trends, the change history, the anomalies and the risk scores. :meth:`Case.as_of`
gives the case as it stood on a day, from what was read (no file is read again). Frames with personal data are
masked unless asked for raw.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from auditkit.anomalies import AnomalyInputs, RiskScores, risk_scores, run_detectors
from auditkit.case.findings import provider_names, summary_by_provider
from auditkit.case.inputs import evidence_inputs, load_employers, load_evidence
from auditkit.case.learners import Learner, LearnerIndex
from auditkit.case.sampling import case_population, draw_case_sample
from auditkit.facts.scope import (
    choose_returns,
    employers_as_of,
    evidence_as_of,
    problem_lines,
    scope_warnings,
    snapshot_view,
)
from auditkit.funding.milestones import funding_summary, milestones, provider_totals
from auditkit.measures.changes import change_histories, mask_changes
from auditkit.measures.kpis import KPIResult, kpis
from auditkit.measures.trends import kpi_trends
from auditkit.privacy import mask_frame
from auditkit.readers.contracts import Contracts, read_contracts
from auditkit.readers.discover import CaseFiles, InputError, find_case, require_ilr
from auditkit.readers.evidence import EvidenceData
from auditkit.readers.ilr import ILRData
from auditkit.readers.ilr_cache import cache_folder, case_folder_of, read_ilr_cached
from auditkit.reference.wave5 import WAVE_WINDOW
from auditkit.rules import RuleContext, run_rules
from auditkit.sampling import Sample
from auditkit.sampling.population import Unit

log = logging.getLogger("auditkit.privacy")

PathLike = str | Path


class _Inputs:
    """The inputs besides the ILR returns, each read at first use and once, shared by a case and its snapshots."""

    def __init__(self, files: CaseFiles, postcodes: PathLike | None, learners: pd.DataFrame) -> None:
        self.files = files
        self.postcodes = postcodes
        self.learners = learners  # the evidence is checked against the learners of the returns audited

    @cached_property
    def contracts(self) -> Contracts | None:
        return read_contracts(self.files.contracts) if self.files.contracts else None

    @cached_property
    def postcode_directory(self) -> pd.Series | None:
        if not self.postcodes:
            return None
        from auditkit.reference.tables import read_postcode_directory

        return read_postcode_directory(self.postcodes)

    @cached_property
    def evidence(self) -> EvidenceData | None:
        return load_evidence(self.files, self.learners)

    @cached_property
    def employers(self) -> pd.DataFrame | None:
        return load_employers(self.files, self.evidence)


class Case:
    """An audit case: what :func:`open_case` read, and everything computed from it (each once, when first used).

    ``files`` are the inputs found, ``loaded`` every return read, ``data`` the returns audited (chosen by
    ``returns`` / ``as_of``, or a snapshot's view, see :meth:`as_of`). ``findings``, ``changes`` and the displays
    are masked; ``raw_findings`` / :meth:`revealed_findings` and ``raw_changes`` are not."""

    def __init__(self, files: CaseFiles, loaded: ILRData, data: ILRData, inputs: _Inputs, *, all_returns: bool = False,
                 rules: list[str] | None = None, wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW,
                 snapshot: pd.Timestamp | None = None, cache: Path | None = None) -> None:
        self.files = files
        self.loaded = loaded
        self.data = data
        self.all_returns = all_returns
        self.rules = rules
        self.wave_window = wave_window
        #: The day of a snapshot (:meth:`as_of`); None for the case as opened.
        self.snapshot = snapshot
        #: The folder of the case's Parquet cache of ILR frames (None: the case is read without one).
        self.cache = cache
        self._inputs = inputs

    # -- inputs ------------------------------------------------------------------------------------------------
    @property
    def contracts(self) -> Contracts | None:
        """The contracts (None without a contracts file)."""
        return self._inputs.contracts

    @property
    def postcode_directory(self) -> pd.Series | None:
        """The ONS postcode directory given as ``postcodes`` (None without one)."""
        return self._inputs.postcode_directory

    @cached_property
    def evidence(self) -> EvidenceData | None:
        """The evidence (documents, their problems, the employer register); None without a manifest or documents.
        A snapshot sees the documents dated by its day and the employer scores given by then."""
        evidence = self._inputs.evidence
        if evidence is None or self.snapshot is None:
            return evidence
        return replace(evidence, evidence=evidence_as_of(evidence.evidence, self.snapshot), employers=self.employers)

    @cached_property
    def employers(self) -> pd.DataFrame | None:
        """The employer register (with the evidence's or read alone); None without one."""
        register = self._inputs.employers
        return register if self.snapshot is None else employers_as_of(register, self.snapshot)

    # -- results -----------------------------------------------------------------------------------------------
    @cached_property
    def context(self) -> RuleContext:
        """What the rules read (the returns in scope, contracts, evidence, derived frames)."""
        return RuleContext(self.data, self.contracts, all_returns=self.all_returns, wave_window=self.wave_window,
                           postcode_directory=self.postcode_directory, evidence=self.evidence)

    @cached_property
    def raw_findings(self) -> pd.DataFrame:
        """Every finding of the rules (and of the evidence checks, with evidence), personal values shown."""
        return run_rules(self.context, self.rules)

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Every finding, personal values masked."""
        return mask_frame(self.raw_findings)

    def revealed_findings(self, reason: str = "") -> pd.DataFrame:
        """Every finding with personal values shown: a deliberate act, logged on the ``auditkit.privacy`` logger."""
        log.warning("personal data revealed: %d findings unmasked%s", len(self.raw_findings),
                    f" ({reason})" if reason else "")
        return self.raw_findings

    def summarise(self, findings: pd.DataFrame) -> pd.DataFrame:
        """Counts of ``findings`` (these or some of them) per provider and severity, every provider audited shown."""
        return summary_by_provider(findings, self.contracts, providers=self.context.returns["ukprn"])

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Counts of the findings per provider and severity, and the learners concerned."""
        return self.summarise(self.findings)

    @cached_property
    def milestones(self) -> pd.DataFrame:
        """One row per bootcamp aim and milestone: claimed, earned, pounds due and at risk (no personal data)."""
        return milestones(self.context, self.raw_findings)

    @cached_property
    def funding(self) -> pd.DataFrame:
        """The milestones per provider, bootcamp aim and milestone (and return, with ``all_returns``)."""
        return funding_summary(self.milestones, by_return=self.all_returns)

    @cached_property
    def funding_by_provider(self) -> pd.DataFrame:
        """The milestones' counts and pounds per provider, with the contract's provider name."""
        totals = provider_totals(self.milestones)
        totals.insert(1, "provider", provider_names(totals["ukprn"], self.contracts))
        return totals

    @cached_property
    def kpis(self) -> KPIResult:
        """The KPIs per provider and bootcamp aim, per month and cumulative, with their members."""
        evidence = self.evidence.evidence if self.evidence is not None else None
        return kpis(self.context, self.milestones, evidence, self.employers)

    @cached_property
    def trends(self) -> pd.DataFrame:
        """The cumulative KPIs as of each snapshot return: each preparation date evaluated as :meth:`as_of`."""
        return kpi_trends(self.data.returns, lambda day: self.as_of(day).kpis)

    @cached_property
    def raw_changes(self) -> pd.DataFrame:
        """What each provider changed between consecutive returns of a year, personal values shown."""
        return change_histories(self.data)

    @cached_property
    def changes(self) -> pd.DataFrame:
        """What each provider changed between consecutive returns, personal old and new values masked."""
        return mask_changes(self.raw_changes)

    @cached_property
    def raw_anomalies(self) -> pd.DataFrame:
        """What the anomaly detectors (:mod:`auditkit.anomalies`) found, personal values shown."""
        return run_detectors(AnomalyInputs(self.context, milestones=self.milestones, changes=self.raw_changes,
                                           kpis=self.kpis))

    @cached_property
    def anomalies(self) -> pd.DataFrame:
        """What the anomaly detectors found, personal values masked."""
        return mask_frame(self.raw_anomalies)

    @cached_property
    def risk(self) -> RiskScores:
        """Risk scores per learner and provider from the findings and anomalies, with their contributions."""
        return risk_scores(self.raw_findings, self.raw_anomalies, learners=self.context.learners)

    @cached_property
    def read_notes(self) -> list[str]:
        """What the user must be told about the returns: files read with problems, warnings about those used."""
        return problem_lines(self.loaded, self.data)

    @cached_property
    def scope_warnings(self) -> list[str]:
        """Warnings about the returns audited (a latest return read with errors, or with fewer learners)."""
        return scope_warnings(self.data)

    @cached_property
    def learner_index(self) -> LearnerIndex:
        """The rows of each learner in the findings, milestones, ILR and evidence frames (built at first use)."""
        return LearnerIndex(self.context, self.raw_findings, self.milestones)

    def learner(self, ukprn: int, learn_ref_number: str, *, reveal: bool = False, reason: str = "") -> Learner:
        """One learner's findings, milestones, ILR records and aims and evidence facts, taken by position from
        :attr:`learner_index` (the same cost whatever the case's size), personal values masked. ``reveal`` shows
        them: a deliberate act, logged on the ``auditkit.privacy`` logger. Raises ValueError for a learner the
        returns audited do not hold. The stage-by-stage evidence view is
        :func:`auditkit.views.evidence.case_evidence_view`."""
        found = self.learner_index.learner(ukprn, learn_ref_number, reveal=reveal)
        if reveal:
            log.warning("personal data revealed: learner %s/%s unmasked%s", ukprn, learn_ref_number,
                        f" ({reason})" if reason else "")
        return found

    # -- SQL ---------------------------------------------------------------------------------------------------
    def sql(self, query: str, *, reveal: bool = False) -> pd.DataFrame:
        """``query`` (DuckDB SQL) over the case's frames as tables (:mod:`auditkit.case.sql`), masked unless
        ``reveal`` (a deliberate act, logged)."""
        from auditkit.case.sql import run_sql

        if reveal:
            log.warning("personal data revealed: SQL over unmasked frames")
        return run_sql(self, query, reveal=reveal)

    # -- sampling ----------------------------------------------------------------------------------------------
    def population(self, unit: Unit = "learner") -> pd.DataFrame:
        """The learners (or bootcamp aims, ``unit="aim"``) with a claim: what a sample is drawn from."""
        return case_population(self, unit)

    def draw_sample(self, method: str = "random", size: int | None = None, seed: int | None = None,
                    **options: object) -> Sample:
        """A sample of the claims (:func:`auditkit.case.sampling.draw_case_sample`: ``materiality=``, ``unit=``,
        ``strata=``, ``allocation=``, ``selection=``); recording it is the workpaper store's."""
        return draw_case_sample(self, method, size, seed, **options)  # type: ignore[arg-type]

    # -- snapshots ---------------------------------------------------------------------------------------------
    def as_of(self, day: dt.date | str | pd.Timestamp) -> Case:
        """The case as it stood on ``day``, from what was read: the latest return of each provider and ILR year
        prepared by then (every such return with ``all_returns``), the evidence documents dated by then and the
        employer scores given by then. Raises :class:`InputError` when no return was prepared by then."""
        when = pd.Timestamp(day).normalize()
        if self.all_returns:
            data = choose_returns(self.data, as_of=when)
        else:
            data = snapshot_view(self.data, when)
            if data.returns.empty:
                choose_returns(self.data, as_of=when)  # raises, naming the earliest return
        return Case(self.files, self.loaded, data, self._inputs, all_returns=self.all_returns, rules=self.rules,
                    wave_window=self.wave_window, cache=self.cache,
                    snapshot=when if self.snapshot is None else min(when, self.snapshot))

    # -- displays ------------------------------------------------------------------------------------------------
    def _lines(self) -> list[str]:
        r = self.data.returns
        years = ", ".join(sorted(str(y) for y in r["ilr_year"].dropna().unique())) or "-"
        lines = [f"{len(r)} returns of {r['ukprn'].nunique()} providers (years {years}); "
                 f"{len(self.data.learners)} learner records, {len(self.data.deliveries)} aims"
                 + (f"; {len(self.loaded.returns)} returns read" if len(self.loaded.returns) != len(r) else "")]
        if self.snapshot is not None:
            lines.append(f"as of {self.snapshot:%Y-%m-%d}")
        for label in ("contracts", "manifest", "documents", "employers"):
            value = getattr(self.files, label)
            if value:
                lines.append(f"{label}: {value}")
        if "raw_findings" in self.__dict__:
            lines.append(f"{len(self.raw_findings)} findings")
        return lines

    def __repr__(self) -> str:
        return "Case(" + "; ".join(self._lines()) + ")"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self._lines())
        return f"<b>auditkit Case</b><ul>{items}</ul>"


def open_case(paths: PathLike | Iterable[PathLike], contracts: PathLike | None = None,
              evidence: PathLike | None = None, employers: PathLike | None = None, *,
              postcodes: PathLike | None = None, returns: Iterable[PathLike] = (),
              as_of: dt.date | str | None = None, all_returns: bool = False, rules: Iterable[str] | None = None,
              progress: bool | None = None, skip_bad_files: bool = False,
              wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW, cache: bool = True) -> Case:
    """Open the case under ``paths`` (ILR files, folders or zips): find its inputs and read its ILR returns.

    Contracts, evidence (a manifest and/or a ``documents`` folder) and an employer register are found by convention
    in the case folder, or given: ``evidence`` is a manifest file or a folder (see
    :func:`auditkit.case.inputs.evidence_inputs`; it is searched like a case folder, for the manifest, the
    documents and the employer register). An explicit ``employers`` wins over a register found with the evidence,
    which wins over the case folder's. With evidence, the EV_* checks run with the rules. ``postcodes`` is an ONS
    postcode directory CSV for exact residency checks.

    ``as_of`` and ``returns`` choose the returns audited (see :func:`auditkit.facts.scope.choose_returns`);
    ``all_returns`` checks every snapshot, not only the latest return of each provider and year; ``rules`` limits
    the rules run. ``skip_bad_files`` reports files that are not ILRs as problems instead of stopping. ``cache``: when
    ``paths`` is one case folder, large returns are read through the Parquet cache in ``<case>/.auditkit/cache``
    (:mod:`auditkit.readers.ilr_cache`, ``docs/parquet.md``); ``cache=False`` parses every file. Raises
    :class:`InputError` when ``paths`` hold no ILR file or an input cannot be used (the contracts, evidence, register
    and postcode directory when first used)."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    manifest, documents, register = evidence_inputs(evidence) if evidence is not None else (None, None, None)
    files = find_case(paths, contracts=contracts, manifest=manifest, documents=documents,
                      employers=employers if employers is not None else register)
    if evidence is not None:  # what --evidence names replaces the case folder's manifest and documents
        files.manifest, files.documents = manifest, documents
    require_ilr(paths, files.ilr)
    folder = case_folder_of(paths) if cache else None
    loaded = read_ilr_cached(paths, cache_folder(folder) if folder is not None else None, progress=progress,
                             errors="report" if skip_bad_files else "raise")
    data = choose_returns(loaded, returns=returns, as_of=as_of)
    return Case(files, loaded, data, _Inputs(files, postcodes, data.learners), all_returns=all_returns,
                rules=None if rules is None else list(rules), wave_window=wave_window,
                cache=cache_folder(folder) if folder is not None else None)


def case_of(files: CaseFiles, loaded: ILRData, *, postcodes: PathLike | None = None,
            rules: Iterable[str] | None = None, wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW) -> Case:
    """The case of ILR data already read (``loaded``, e.g. one provider's returns in a national run) with the
    other inputs ``files`` names (its ``ilr`` sources are not read again)."""
    data = choose_returns(loaded)
    return Case(files, loaded, data, _Inputs(files, postcodes, data.learners),
                rules=None if rules is None else list(rules), wave_window=wave_window)


__all__ = ["Case", "InputError", "Learner", "case_of", "open_case"]
