"""The detector registry: every anomaly detector is a small function registered with its id and what it reads.

Like a rule (:mod:`auditkit.rules.registry`), a detector's docstring is its documentation, written for an
analyst, with the headings **What it checks**, **Why it matters**, **Example** and **Limits** (the last is
required here: every detector has a false-positive story). ``docs/anomalies.md`` is generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from auditkit.docstrings import HEADINGS, AuditorDoc, missing_headings
from auditkit.frames.findings import SEVERITIES

if TYPE_CHECKING:
    from auditkit.anomalies.inputs import AnomalyInputs

DETECTOR_ID = re.compile(r"^AN_[A-Z0-9]+_\d{2}$")
DOC_HEADINGS = (*HEADINGS, "Limits")

DetectorFunc = Callable[["AnomalyInputs"], pd.DataFrame]


@dataclass(frozen=True)
class Detector(AuditorDoc):
    """One detector: ``func(inputs)`` returns rows made by :func:`auditkit.anomalies.rows.anomaly_rows`."""

    id: str
    severity: str
    reads: tuple[str, ...]
    func: DetectorFunc


REGISTRY: dict[str, Detector] = {}


def detector(id: str, reads: tuple[str, ...] | list[str], severity: str = "warning") -> Callable[
        [DetectorFunc], DetectorFunc]:
    """Register a detector function under ``id`` (``AN_XXX_NN``)."""

    def register(func: DetectorFunc) -> DetectorFunc:
        if not DETECTOR_ID.match(id):
            raise ValueError(f"detector id {id!r} does not look like AN_XXX_NN")
        if id in REGISTRY:
            raise ValueError(f"detector {id} is registered twice")
        if severity not in SEVERITIES:
            raise ValueError(f"detector {id}: severity {severity!r} is not one of {SEVERITIES}")
        missing = missing_headings(func, DOC_HEADINGS)
        if missing:
            raise ValueError(f"detector {id}: the docstring lacks the heading(s) {', '.join(missing)}")
        REGISTRY[id] = Detector(id, severity, tuple(reads), func)
        return func

    return register


def all_detectors() -> list[Detector]:
    """Every registered detector, by id."""
    from auditkit import anomalies as _anomalies  # noqa: F401  (importing the package registers the detectors)

    return sorted(REGISTRY.values(), key=lambda d: d.id)


def get_detectors(ids: list[str] | tuple[str, ...] | None = None) -> list[Detector]:
    """The detectors with these ids (all when None); an unknown id raises ValueError naming it."""
    found = all_detectors()
    if not ids:
        return found
    known = {d.id: d for d in found}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown detector id(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[i] for i in ids]
