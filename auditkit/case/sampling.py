"""A case's audit samples: the population of its claims, a sample sized from a materiality, its evaluation.

:func:`draw_case_sample` sizes the sample from ``materiality`` when no ``size`` is given: a fraction (0.05), a
percentage (``"5%"``) or pounds (``"£20,000"`` or a number above 1) of what the population claims. Monetary unit
samples are planned with the Poisson likelihood; record samples with the hypergeometric one (the population is
known and finite). Without a seed one is chosen at random and recorded on the sample.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from auditkit.sampling import (
    MusEvaluation,
    RecordEvaluation,
    Sample,
    SamplingError,
    draw_sample,
    evaluate_mus,
    evaluate_records,
    plan_sample_size,
    population,
)
from auditkit.sampling.population import Unit

if TYPE_CHECKING:
    from auditkit.case.case import Case

_POUNDS = re.compile(r"^£?\s*([\d,]+(?:\.\d+)?)$")
_PERCENT = re.compile(r"^([\d.]+)\s*%$")


def case_population(case: Case, unit: Unit = "learner", *, with_risk: bool = False) -> pd.DataFrame:
    """The case's learners (or bootcamp aims) with a claim, the pounds claimed and the worst finding on each; with
    ``with_risk`` each learner's risk score (:attr:`auditkit.case.Case.risk`), for strata by risk band."""
    return population(case.milestones, case.raw_findings, unit, risk=case.risk.learners if with_risk else None)


def materiality_fraction(materiality: float | str, population_value: float) -> float:
    """``materiality`` as a fraction of ``population_value``: a fraction below 1 as it is, ``"5%"`` as 0.05,
    pounds (``"£20,000"``, ``20000``) divided by the population's value. Raises :class:`SamplingError`."""
    text = str(materiality).strip()
    percent = _PERCENT.match(text)
    if percent:
        value = float(percent.group(1)) / 100
    else:
        pounds = _POUNDS.match(text)
        if not pounds:
            raise SamplingError(f"materiality {text!r} is not a fraction (0.05), a percentage (5%) or pounds (£20,000)")
        number = float(pounds.group(1).replace(",", ""))
        if text.startswith("£") or number >= 1:
            if population_value <= 0:
                raise SamplingError("the population claims £0: a materiality in pounds means nothing here")
            value = number / population_value
        else:
            value = number
    if not 0 < value < 1:
        raise SamplingError(f"materiality {text!r} must be above 0 and below the population's value "
                            f"(£{population_value:,.2f})")
    return value


def draw_case_sample(case: Case, method: str = "random", size: int | None = None, seed: int | None = None, *,
                     materiality: float | str | None = None, expected_error: float = 0.0, confidence: float = 0.95,
                     unit: Unit = "learner", strata: Sequence[str] = (), allocation: str = "proportional",
                     selection: str = "fixed") -> Sample:
    """Draw a sample of the case's claims (see the module); the materiality and plan are kept in its parameters."""
    pop = case_population(case, unit, with_risk="risk" in strata)
    if pop.empty:
        raise SamplingError("nothing is claimed in the returns audited, so there is nothing to sample")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    planned: dict[str, object] = {}
    if size is None:
        if materiality is None:
            raise SamplingError("give a sample size or a materiality to plan it from")
        value = float(pop["book_value"].sum())
        fraction = materiality_fraction(materiality, value)
        likelihood = "poisson" if method == "mus" else "hypergeometric"
        size = plan_sample_size(fraction, expected_error, confidence, likelihood,  # type: ignore[arg-type]
                                population_size=len(pop) if likelihood == "hypergeometric" else None)
        planned = {"materiality": round(fraction, 6), "materiality_pounds": round(fraction * value, 2),
                   "expected_error": expected_error, "confidence": confidence, "likelihood": likelihood,
                   "planned_size": size}
    sample = draw_sample(pop, method, size, seed, strata=strata, allocation=allocation,  # type: ignore[arg-type]
                         selection=selection)
    sample.parameters.update(planned)
    return sample


def evaluate_case_sample(sample: Sample, misstatements: pd.Series, *, confidence: float = 0.95,
                         estimator: str = "difference") -> MusEvaluation | RecordEvaluation:
    """Evaluate ``sample`` from ``misstatements`` (pounds, indexed by item key; NA for items not yet concluded):
    a monetary unit sample by the Stringer and Poisson bounds, the others by ``estimator``. The materiality the
    sample was planned with, if any, is the one the conclusion compares with."""
    items = sample.items.assign(misstatement=sample.items["item"].map(misstatements).astype("Float64").to_numpy())
    pending = items["misstatement"].isna()
    if pending.any():
        raise SamplingError(f"{int(pending.sum())} of the {len(items)} sampled items have no verdict yet: "
                            "conclude each (a verdict other than query on every stage of its walk-through) "
                            "before evaluating")
    if sample.method == "mus":
        materiality = sample.parameters.get("materiality_pounds")
        return evaluate_mus(items["book_value"].astype(float), items["misstatement"].astype(float),
                            float(str(sample.parameters["interval"])), confidence,
                            hits=items["hits"].astype(int).tolist(),
                            materiality=float(str(materiality)) if materiality is not None else None)
    return evaluate_records(items.astype({"misstatement": float}), sample.strata, estimator, confidence)
