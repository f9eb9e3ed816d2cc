"""Evaluating a sample: projecting the misstatements found in the sampled items onto the population.

**Monetary unit samples** (:func:`evaluate_mus`): each sampled item's taint is its misstatement over its claimed
pounds (at most 1). With the sampling interval ``J`` and the taints of the overstated items sorted from the
largest:

- most likely error = ``J x`` the sum of the taints + the misstatements of the individually significant items;
- **Stringer bound** = ``J x UPL(0)`` (basic precision) ``+ J x sum over i of (UPL(i) - UPL(i-1)) x taint(i)``
  + the individually significant misstatements, where ``UPL(k)`` is the Poisson upper limit factor for ``k``
  errors at the confidence (3.00, 4.74, 6.30, ... at 95%);
- **Poisson bound** = ``J x UPL(sum of the taints)`` (the gamma quantile, a whole-sample bound as jfa's
  ``poisson`` method) + the individually significant misstatements.

Understatements (negative misstatements) do not lower either bound; they are reported beside them.

**Record and stratified samples** (:func:`evaluate_records`): the projected funding error of the population with
a two-sided interval (Student's t; Satterthwaite's degrees of freedom across strata), by the ``difference``
estimator (population count x mean misstatement, per stratum), the ``ratio`` estimator (claimed pounds x
misstated share) or ``mean-per-unit`` (claimed pounds - population count x mean audited value). With fewer than
``MIN_ERRORS`` misstated items the interval rests on too few errors to trust; with none it is degenerate (zero
width), so the evaluation also gives the attribute upper bound on the share of misstated items (Poisson).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

ESTIMATORS: tuple[str, ...] = ("difference", "ratio", "mean-per-unit")
#: Fewer misstated items than this and a record sample's interval is called unreliable.
MIN_ERRORS = 5
#: Fewer sampled items than this (in a stratum: 2) and a record sample cannot be evaluated.
MIN_ITEMS = 2


def upper_limit_factor(errors: float, confidence: float = 0.95) -> float:
    """The Poisson upper limit factor ``UPL(k)``: the gamma quantile of shape ``k + 1`` (3.00 for no errors at
    95%)."""
    return float(stats.gamma.ppf(confidence, errors + 1))


@dataclass(frozen=True)
class MusEvaluation:
    """What a monetary unit sample says about the population's overstatement, in pounds."""

    most_likely_error: float
    upper_error_limit: float  # the Stringer bound
    upper_error_limit_poisson: float
    basic_precision: float
    individually_significant_error: float
    understatement: float
    sampling_interval: float
    confidence: float
    taints: pd.DataFrame  # book_value, misstatement, taint, rank (overstatements by size), factor, contribution
    materiality: float | None = None

    @property
    def conclusion(self) -> str:
        text = (f"Most likely overstatement £{self.most_likely_error:,.2f}; upper error limit at "
                f"{self.confidence:.0%} confidence £{self.upper_error_limit:,.2f} (Stringer), "
                f"£{self.upper_error_limit_poisson:,.2f} (Poisson).")
        if self.materiality is not None:
            if self.upper_error_limit < self.materiality:
                text += f" Below the materiality of £{self.materiality:,.2f}: the claim is not materially misstated."
            else:
                text += (f" Not below the materiality of £{self.materiality:,.2f}: the sample cannot conclude that "
                         "the claim is free of material misstatement (extend it or test further).")
        if self.understatement:
            text += f" Understatements found: £{self.understatement:,.2f} (not netted off)."
        return text


def evaluate_mus(book_values: Sequence[float] | pd.Series, misstatements: Sequence[float] | pd.Series,
                 sampling_interval: float, confidence: float = 0.95, *, hits: Sequence[int] | None = None,
                 materiality: float | None = None) -> MusEvaluation:
    """Evaluate a monetary unit sample: the sampled items' claimed pounds and misstatements (claimed - correct,
    in pounds), the interval they were drawn at; items claiming at least the interval are individually
    significant (their misstatement counts in full). ``hits``: selection points per item (default 1)."""
    book = np.asarray(book_values, dtype=float)
    wrong = np.asarray(misstatements, dtype=float)
    if book.shape != wrong.shape:
        raise ValueError(f"book_values ({len(book)}) and misstatements ({len(wrong)}) differ in length")
    if not sampling_interval > 0:
        raise ValueError(f"the sampling interval must be above 0, not {sampling_interval!r}")
    if np.isnan(book).any() or np.isnan(wrong).any():
        raise ValueError("every sampled item needs its claimed pounds and its misstatement (0 when correct)")
    count = np.ones(len(book), dtype=int) if hits is None else np.asarray(hits, dtype=int)
    significant = book >= sampling_interval
    significant_error = float(wrong[significant & (wrong > 0)].sum())
    understatement = float(-wrong[wrong < 0].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        taint = np.where(book > 0, wrong / book, np.where(wrong > 0, 1.0, 0.0))
    taint = np.clip(taint, None, 1.0)
    sampled = ~significant
    over = np.repeat(taint[sampled & (taint > 0)], count[sampled & (taint > 0)])
    over = np.sort(over)[::-1]
    factors = np.array([upper_limit_factor(k, confidence) for k in range(len(over) + 1)])
    increments = np.diff(factors)
    basic = sampling_interval * factors[0]
    stringer = basic + sampling_interval * float((increments * over).sum()) + significant_error
    mle = sampling_interval * float(over.sum()) + significant_error
    poisson = sampling_interval * upper_limit_factor(float(over.sum()), confidence) + significant_error
    table = pd.DataFrame({"book_value": book, "misstatement": wrong, "taint": taint, "hits": count,
                          "individually_significant": significant})
    ranked = table[sampled & (taint > 0)].sort_values("taint", ascending=False, kind="stable")
    table["rank"] = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index).reindex(table.index).astype("Int64")
    return MusEvaluation(mle, stringer, poisson, basic, significant_error, understatement, float(sampling_interval),
                         confidence, table, materiality)


@dataclass(frozen=True)
class RecordEvaluation:
    """What a record (or stratified) sample says about the population's funding error, in pounds."""

    estimator: str
    projected_error: float
    lower: float
    upper: float
    standard_error: float
    degrees_of_freedom: float
    confidence: float
    items: int
    errors: int
    population_size: int
    population_value: float
    strata: pd.DataFrame
    attribute_upper_rate: float
    warnings: tuple[str, ...] = ()

    @property
    def conclusive(self) -> bool:
        return not self.warnings

    @property
    def conclusion(self) -> str:
        text = (f"Projected funding error £{self.projected_error:,.2f} ({self.estimator} estimator), "
                f"{self.confidence:.0%} interval £{self.lower:,.2f} to £{self.upper:,.2f}, from {self.errors} "
                f"misstated of {self.items} items (population {self.population_size:,} units, "
                f"£{self.population_value:,.2f} claimed).")
        return " ".join([text, *self.warnings])


def evaluate_records(items: pd.DataFrame, strata: pd.DataFrame, estimator: str = "difference",
                     confidence: float = 0.95) -> RecordEvaluation:
    """Project the misstatements of a random or stratified sample onto the population.

    ``items``: one row per sampled unit with ``stratum``, ``book_value`` and ``misstatement`` (pounds claimed
    minus pounds correct). ``strata``: one row per stratum with ``stratum``, ``population`` (units) and ``value``
    (pounds claimed), as :attr:`~auditkit.sampling.draw.Sample.strata`. See the module for the estimators.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {estimator!r}")
    missing = items["misstatement"].isna()
    if missing.any():
        raise ValueError(f"{int(missing.sum())} sampled items have no misstatement yet: record a verdict on each "
                         "(0 when the claim is right) before evaluating")
    rows, warnings = [], []
    for stratum in strata.itertuples(index=False):
        got = items[items["stratum"] == stratum.stratum]
        rows.append(_stratum(got, int(stratum.population), float(stratum.value), estimator, str(stratum.stratum)))
    per = pd.DataFrame(rows)
    sampled = per[per["sample"] > 0]
    total = float(per["projected"].sum())
    variance = float(sampled["variance"].sum())
    unsampled = per[(per["sample"] == 0) & (per["population"] > 0)]
    if len(unsampled):
        warnings.append(f"{len(unsampled)} strata have no sampled items, so their error is not projected.")
    thin = per[(per["sample"] > 0) & (per["sample"] < MIN_ITEMS) & (per["sample"] < per["population"])]
    if len(thin):
        warnings.append(f"{len(thin)} strata have fewer than {MIN_ITEMS} sampled items, so their variance is "
                        "unknown: the interval is too narrow.")
    dof = _satterthwaite(sampled)
    t = float(stats.t.ppf(0.5 + confidence / 2, dof)) if dof > 0 else float("nan")
    se = variance ** 0.5
    errors = int((items["misstatement"] != 0).sum())
    n = len(items)
    if errors == 0:
        warnings.append("No misstated items: the interval has no width and says nothing about rare errors; the "
                        "attribute bound below is the one to rely on.")
    elif errors < MIN_ERRORS:
        warnings.append(f"Only {errors} misstated items (fewer than {MIN_ERRORS}): the normal approximation behind "
                        "the interval is unreliable; the sample is too small to conclude.")
    attribute = float(stats.gamma.ppf(confidence, errors + 1) / n) if n else 1.0
    if errors == 0 or errors < MIN_ERRORS:
        warnings.append(f"At {confidence:.0%} confidence, at most {min(attribute, 1.0):.1%} of the population's "
                        "units are misstated (Poisson attribute bound).")
    lower, upper = (total - t * se, total + t * se) if dof > 0 else (float("nan"), float("nan"))
    return RecordEvaluation(estimator, total, lower, upper, se, dof, confidence, n, errors,
                            int(per["population"].sum()), float(per["value"].sum()), per, min(attribute, 1.0),
                            tuple(warnings))


def _stratum(got: pd.DataFrame, size: int, value: float, estimator: str, name: str) -> dict[str, object]:
    n = len(got)
    row: dict[str, object] = {"stratum": name, "population": size, "value": value, "sample": n,
                              "errors": int((got["misstatement"] != 0).sum()), "projected": 0.0, "variance": 0.0}
    if n == 0:
        return row
    d = got["misstatement"].astype(float).to_numpy()
    b = got["book_value"].astype(float).to_numpy()
    fpc = max(0.0, 1 - n / size) if size else 0.0
    if estimator == "ratio":
        ratio = d.sum() / b.sum() if b.sum() else 0.0
        row["projected"] = value * ratio
        residual = d - ratio * b
        s2 = residual.var(ddof=1) if n > 1 else 0.0
    elif estimator == "mean-per-unit":
        audited = b - d
        row["projected"] = value - size * audited.mean()
        s2 = audited.var(ddof=1) if n > 1 else 0.0
    else:
        row["projected"] = size * d.mean()
        s2 = d.var(ddof=1) if n > 1 else 0.0
    row["variance"] = size**2 * fpc * s2 / n
    return row


def _satterthwaite(per: pd.DataFrame) -> float:
    """Satterthwaite's effective degrees of freedom of a sum of stratum variances (n - 1 with one stratum)."""
    v = per["variance"].to_numpy(dtype=float)
    dof = (per["sample"].to_numpy(dtype=float) - 1)
    usable = dof > 0
    if not usable.any():
        return 0.0
    if v[usable].sum() == 0:
        return float(dof[usable].sum())
    return float(v[usable].sum() ** 2 / (v[usable] ** 2 / dof[usable]).sum())
