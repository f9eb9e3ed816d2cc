"""How many items to test: the classical (ISA 530 / AICPA) minimum sample size for a performance materiality.

The sample size is the smallest ``n`` whose upper confidence bound on the population's error rate, with the
expected errors found, stays below the materiality, the way jfa's ``planning()`` computes it:

- ``poisson``: bound ``gamma.ppf(confidence, 1 + x, scale=1/n)`` (the Poisson approximation that monetary unit
  sampling tables use), with ``x = expected * n`` (a fraction of the sample) or ``x = expected`` (a count);
- ``binomial``: the Clopper-Pearson bound ``beta.ppf(confidence, 1 + x, n - x)``, ``x`` rounded up to a whole
  number of errors (AICPA's attribute sampling tables);
- ``hypergeometric``: the upper bound on the population's errors ``K`` (an inverted test over ``K``) divided by
  the population size, ``x`` rounded up.

Example: 5% materiality, no expected errors, 95% confidence: 60 (Poisson), 59 (binomial).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy import stats

Likelihood = Literal["poisson", "binomial", "hypergeometric"]
LIKELIHOODS: tuple[str, ...] = ("poisson", "binomial", "hypergeometric")
#: The largest sample size searched (as jfa's ``max``).
MAX_SAMPLE = 5000


class PlanningError(ValueError):
    """The sample size cannot be planned from these parameters (the message says which and why)."""


def upper_bound(n: int, errors: float, confidence: float = 0.95, likelihood: Likelihood = "poisson",
                population_size: int | None = None) -> float:
    """The one-sided upper confidence bound on the population's error rate after ``errors`` errors (or the sum
    of taints) in ``n`` items."""
    if likelihood == "poisson":
        return float(stats.gamma.ppf(confidence, 1 + errors, scale=1 / n))
    x = math.ceil(errors)
    if likelihood == "binomial":
        return 1.0 if x >= n else float(stats.beta.ppf(confidence, 1 + x, n - x))
    if population_size is None:
        raise PlanningError("the hypergeometric likelihood needs the population size")
    return _hypergeometric_errors(confidence, population_size, n, x) / population_size


def _hypergeometric_errors(confidence: float, population: int, n: int, x: int) -> int:
    """The largest number of population errors ``K`` not rejected at ``confidence`` after ``x`` errors in ``n``."""
    k = np.arange(x, population + 1)
    cdf = stats.hypergeom.cdf(x, population, k, min(n, population))
    kept = k[cdf > 1 - confidence]
    return int(kept.max()) if len(kept) else x


def plan_sample_size(materiality: float, expected_error: float = 0.0, confidence: float = 0.95,
                     likelihood: Likelihood = "poisson", population_size: int | None = None,
                     max_size: int = MAX_SAMPLE) -> int:
    """The minimum sample size for ``materiality`` (a fraction, 0 < m < 1) with ``expected_error`` errors (a
    fraction of the sample when < 1, else a count) at ``confidence``; see the module for the likelihoods.

    Raises :class:`PlanningError` for parameters out of range or a size beyond ``max_size``.
    """
    _check_fraction("materiality", materiality)
    _check_fraction("confidence", confidence)
    if likelihood not in LIKELIHOODS:
        raise PlanningError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, not {likelihood!r}")
    if not (expected_error >= 0 and math.isfinite(expected_error)):
        raise PlanningError(f"expected_error must be a fraction or a count >= 0, not {expected_error!r}")
    as_fraction = expected_error < 1
    if as_fraction and expected_error >= materiality:
        raise PlanningError(f"expected_error ({expected_error}) must be below the materiality ({materiality})")
    if likelihood == "hypergeometric":
        if population_size is None or population_size < 1:
            raise PlanningError("the hypergeometric likelihood needs population_size, a whole number >= 1")
        tolerable = math.ceil(materiality * population_size)
        expected_k = math.ceil(expected_error if not as_fraction else expected_error * population_size)
        if expected_k >= tolerable:
            raise PlanningError("expected errors in the population must be below materiality x population_size")
    for n in range(1, max_size + 1):
        x = expected_error * n if as_fraction else expected_error
        if likelihood != "poisson":
            x = math.ceil(x)
        if n <= x:
            continue
        if likelihood == "hypergeometric":  # the bound on K is below ceil(m N) exactly when K = ceil(m N) is rejected
            assert population_size is not None
            if stats.hypergeom.cdf(x, population_size, tolerable, min(n, population_size)) <= 1 - confidence:
                return n
        elif upper_bound(n, x, confidence, likelihood, population_size) < materiality:
            return n
    raise PlanningError(f"the sample size is larger than {max_size}: raise the materiality or lower the expected "
                        "errors")


def plan_sample_size_pounds(materiality_pounds: float, population_value: float, expected_error_pounds: float = 0.0,
                            confidence: float = 0.95, likelihood: Likelihood = "poisson",
                            population_size: int | None = None) -> int:
    """:func:`plan_sample_size` from a materiality and expected error in pounds against the population's claimed
    value in pounds (monetary unit sampling plans this way)."""
    if not population_value > 0:
        raise PlanningError(f"the population's claimed value must be above 0, not {population_value!r}")
    if not 0 < materiality_pounds < population_value:
        raise PlanningError(f"the materiality (£{materiality_pounds:,.2f}) must be above 0 and below the "
                            f"population's value (£{population_value:,.2f})")
    return plan_sample_size(materiality_pounds / population_value, expected_error_pounds / population_value,
                            confidence, likelihood, population_size)


def _check_fraction(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0 < value < 1):
        raise PlanningError(f"{name} must be a fraction between 0 and 1 (e.g. 0.05 for 5%), not {value!r}")
