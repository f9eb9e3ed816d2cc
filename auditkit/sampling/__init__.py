"""Audit sampling: plan the size, draw reproducibly (random, stratified, monetary unit), evaluate the verdicts.

- :func:`plan_sample_size` (:mod:`~auditkit.sampling.plan`): the classical minimum sample size;
- :func:`population` (:mod:`~auditkit.sampling.population`): learners or bootcamp aims with the pounds claimed;
- :func:`draw_sample`, :func:`extend_sample` (:mod:`~auditkit.sampling.draw`): a :class:`Sample`;
- :func:`evaluate_mus`, :func:`evaluate_records` (:mod:`~auditkit.sampling.evaluate`): the projection.
"""

from auditkit.sampling.draw import (
    METHODS,
    STRATA_COLUMNS,
    Sample,
    SamplingError,
    allocate,
    draw_sample,
    extend_sample,
    permanent_random_numbers,
)
from auditkit.sampling.evaluate import (
    ESTIMATORS,
    MusEvaluation,
    RecordEvaluation,
    evaluate_mus,
    evaluate_records,
    upper_limit_factor,
)
from auditkit.sampling.plan import PlanningError, plan_sample_size, plan_sample_size_pounds, upper_bound
from auditkit.sampling.population import population

__all__ = [
    "ESTIMATORS", "METHODS", "STRATA_COLUMNS", "MusEvaluation", "PlanningError", "RecordEvaluation", "Sample",
    "SamplingError", "allocate", "draw_sample", "evaluate_mus", "evaluate_records", "extend_sample",
    "permanent_random_numbers", "plan_sample_size", "plan_sample_size_pounds", "population", "upper_bound",
    "upper_limit_factor",
]
