"""Drawing samples, each reproducible from its seed, and extended without losing the items already drawn.

- **random**: simple random sampling of units (learners or bootcamp aims). Each unit gets a permanent random
  number from the seed and its stable key (SHA-256 of ``seed:item``); the sample is the ``n`` units with the
  smallest numbers. The same seed gives the same sample whatever order the population comes in, and a larger
  sample with the same seed holds every unit of the smaller one.
- **stratified**: the population is split by one or more columns (provider, milestone, learner type, finding
  severity, risk band); the sample is allocated to the strata proportionally to their sizes or by Neyman
  allocation (size x standard deviation of the claimed pounds), at least ``minimum`` per stratum, one place at a
  time by the Sainte-Laguë divisor rule: so a larger sample never takes a place away from a stratum, and within
  each stratum the units are taken in permanent-random-number order (extending keeps the items).
- **mus**: monetary unit sampling over the pounds claimed, in item order. ``fixed``: one selection point every
  ``interval`` pounds from a random start; ``cell``: one random point within each interval. Units claiming at
  least the interval are individually significant (always selected, evaluated in full). Extending divides the
  interval by a whole number: every earlier point is kept.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from auditkit.frames.sampling import SAMPLE_ITEMS

Method = Literal["random", "stratified", "mus"]
METHODS: tuple[str, ...] = ("random", "stratified", "mus")
ALLOCATIONS: tuple[str, ...] = ("proportional", "neyman")
SELECTIONS: tuple[str, ...] = ("fixed", "cell")
#: Columns a stratified sample can split on (of the population frame), and ``risk`` (risk_score in bands).
STRATA_COLUMNS: tuple[str, ...] = ("ukprn", "milestone", "learner_type", "severity", "risk")
#: Upper edges of the risk bands (risk_score in [0, 1]: low < 0.33 <= medium < 0.66 <= high).
RISK_BANDS: tuple[tuple[float, str], ...] = ((0.33, "low"), (0.66, "medium"), (math.inf, "high"))


class SamplingError(ValueError):
    """A sample cannot be drawn with these parameters (the message says which and why)."""


@dataclass(frozen=True)
class Sample:
    """One drawn sample: how (``method``, ``parameters``, ``seed``) and what (``items``, a
    :data:`~auditkit.frames.sampling.SAMPLE_ITEMS` frame); ``strata`` has each stratum's population count,
    claimed pounds and sample count (one row ``all`` for a random sample)."""

    method: str
    unit: str
    seed: int
    parameters: dict[str, object]
    items: pd.DataFrame
    strata: pd.DataFrame
    population_size: int
    population_value: float
    id: str | None = field(default=None, compare=False)

    @property
    def size(self) -> int:
        return len(self.items)

    def describe(self) -> str:
        """One line: method, size, seed and the parameters that matter to a reader."""
        p = self.parameters
        shown: dict[str, object] = {k: p[k] for k in ("strata", "allocation", "selection") if k in p}
        if "interval" in p:
            shown["interval"] = f"£{float(str(p['interval'])):,.2f}"
        if "materiality_pounds" in p:
            shown["materiality"] = f"£{float(str(p['materiality_pounds'])):,.2f}"
        params = ", ".join(f"{k} {v}" for k, v in shown.items())
        return (f"{self.method} sample of {self.size} {self.unit}s from {self.population_size:,} "
                f"(£{self.population_value:,.2f} claimed), seed {self.seed}" + (f"; {params}" if params else ""))


def permanent_random_numbers(items: pd.Series, seed: int) -> np.ndarray:
    """A number in [0, 1) for each item key, fixed by ``seed`` and the key alone."""
    prefix = f"{int(seed)}:".encode()
    return np.array([int.from_bytes(hashlib.sha256(prefix + str(k).encode()).digest()[:8], "big") / 2**64
                     for k in items], dtype=float)


def draw_sample(population: pd.DataFrame, method: Method = "random", size: int | None = None, seed: int = 0, *,
                strata: Sequence[str] = (), allocation: str = "proportional", minimum: int = 2,
                interval: float | None = None, selection: str = "fixed") -> Sample:
    """Draw a sample of ``population`` (:func:`~auditkit.sampling.population.population`); see the module."""
    if method not in METHODS:
        raise SamplingError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if population.empty:
        raise SamplingError("the population is empty: there is nothing claimed to sample")
    pop = population.sort_values("item", kind="stable").reset_index(drop=True)
    if method == "mus":
        return _mus(pop, size, seed, interval, selection)
    if size is None or size < 1:
        raise SamplingError(f"a {method} sample needs a size of at least 1, not {size!r}")
    size = min(int(size), len(pop))
    pop["prn"] = permanent_random_numbers(pop["item"], seed)
    if method == "random":
        pop["stratum"] = "all"
        counts = pd.Series({"all": size})
        params: dict[str, object] = {"size": size}
    else:
        if not strata:
            raise SamplingError(f"a stratified sample needs strata: one or more of {', '.join(STRATA_COLUMNS)}")
        pop["stratum"] = stratum_labels(pop, strata)
        if allocation not in ALLOCATIONS:
            raise SamplingError(f"allocation must be one of {', '.join(ALLOCATIONS)}, not {allocation!r}")
        counts = allocate(pop, size, allocation, minimum)
        params = {"size": size, "strata": ",".join(strata), "allocation": allocation, "minimum": minimum}
    pop = pop.sort_values(["stratum", "prn"], kind="stable")
    pop["place"] = pop.groupby("stratum").cumcount()
    chosen = pop[pop["place"] < pop["stratum"].map(counts).fillna(0).to_numpy()].sort_values("prn", kind="stable")
    chosen = chosen.assign(selected_by="random" if method == "random" else "stratum", hits=1,
                           rank=np.arange(1, len(chosen) + 1))
    return Sample(method, str(pop["unit"].iloc[0]), int(seed), params, SAMPLE_ITEMS.conform(chosen),
                  _strata_table(pop, chosen), len(pop), float(pop["book_value"].sum()))


def stratum_labels(pop: pd.DataFrame, strata: Sequence[str]) -> pd.Series:
    """Each unit's stratum: the values of the ``strata`` columns joined with ``|`` (``risk`` as a band)."""
    unknown = [s for s in strata if s not in STRATA_COLUMNS]
    if unknown:
        raise SamplingError(f"unknown strata {', '.join(unknown)}: use {', '.join(STRATA_COLUMNS)}")
    parts = []
    for column in strata:
        if column == "risk":
            score = pop["risk_score"]
            if score.isna().all():
                raise SamplingError("stratifying by risk needs risk scores (none were given)")
            band = pd.Series("unscored", index=pop.index, dtype="string")
            for edge, name in reversed(RISK_BANDS):
                band = band.mask(score.lt(edge).fillna(False).astype(bool), name)
            parts.append(band)
        else:
            parts.append(pop[column].astype("string").fillna("(none)"))
    label = parts[0]
    for part in parts[1:]:
        label = label + "|" + part
    return label


def allocate(pop: pd.DataFrame, size: int, allocation: str = "proportional", minimum: int = 2) -> pd.Series:
    """Sample places per stratum: ``minimum`` each (or the whole stratum when smaller), then one place at a time
    to the stratum with the largest ``weight / (places + 0.5)`` (Sainte-Laguë), never beyond its size. Weights:
    stratum size (proportional) or size x standard deviation of the claimed pounds (Neyman)."""
    groups = pop.groupby("stratum", sort=True)["book_value"]
    sizes = groups.size()
    if allocation == "neyman":
        spread = groups.std(ddof=1).fillna(0.0).astype(float)
        weights = sizes * spread
        if not (weights > 0).any():
            weights = sizes.astype(float)
    else:
        weights = sizes.astype(float)
    places = np.minimum(sizes.to_numpy(), max(int(minimum), 0))
    if places.sum() > size:
        raise SamplingError(f"{len(sizes)} strata need at least {int(places.sum())} items ({minimum} each, fewer in "
                            f"smaller strata) but the sample size is {size}: raise the size, lower the minimum or "
                            "use fewer strata")
    w, cap = weights.to_numpy(dtype=float), sizes.to_numpy()
    for _ in range(size - int(places.sum())):
        priority = np.where(places < cap, w / (places + 0.5), -1.0)
        best = int(np.argmax(priority))
        if priority[best] < 0:
            break
        if priority[best] == 0:  # zero-weight strata take places only once the others are full
            open_ = np.flatnonzero(places < cap)
            best = int(open_[np.argmax(cap[open_] - places[open_])])
        places[best] += 1
    return pd.Series(places, index=sizes.index)


def _strata_table(pop: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    table = pop.groupby("stratum", sort=True).agg(population=("item", "size"), value=("book_value", "sum"))
    table["sample"] = chosen.groupby("stratum").size().reindex(table.index).fillna(0).astype(int)
    return table.reset_index()


def _mus(pop: pd.DataFrame, size: int | None, seed: int, interval: float | None, selection: str,
         factors: tuple[int, ...] = (), start: float | None = None) -> Sample:
    if selection not in SELECTIONS:
        raise SamplingError(f"selection must be one of {', '.join(SELECTIONS)}, not {selection!r}")
    pop = pop[pop["book_value"].fillna(0) > 0].reset_index(drop=True)
    total = float(pop["book_value"].sum())
    if total <= 0:
        raise SamplingError("monetary unit sampling needs claimed pounds: every unit claims £0")
    if interval is None:
        if size is None or size < 1:
            raise SamplingError("a monetary unit sample needs a size (or an interval in pounds)")
        interval = total / int(size)
    if not (interval > 0 and math.isfinite(interval)):
        raise SamplingError(f"the sampling interval must be a positive number of pounds, not {interval!r}")
    rng = np.random.default_rng(int(seed))
    drawn_start = float(rng.random()) * interval
    start = drawn_start if start is None else start
    points = mus_points(total, interval, selection, start, rng)
    for level in range(1, len(factors) + 1):  # extensions: each divides the interval, keeping the earlier points
        finer = interval / math.prod(factors[:level])
        points = mus_points(total, finer, selection, start % finer,
                            np.random.default_rng([int(seed), level]), keep=points)
    final = interval / math.prod(factors) if factors else interval
    params: dict[str, object] = {"size": len(points), "interval": float(final), "selection": selection,
                                 "start": float(start % final), "points": len(points),
                                 "first_interval": float(interval), "first_start": float(start),
                                 "extensions": ",".join(str(f) for f in factors)}
    return _mus_sample(pop, points, final, seed, params, total)


def mus_points(total: float, interval: float, selection: str, start: float,
               rng: np.random.Generator, keep: np.ndarray | None = None) -> np.ndarray:
    """The selection points (in pounds from 0 to ``total``): ``fixed``: ``start + k x interval``; ``cell``: one
    uniform point in each cell of ``interval`` pounds (a cell holding a point of ``keep`` keeps it)."""
    cells = math.ceil(total / interval)
    if selection == "fixed":
        points = start + interval * np.arange(cells + 1)
    else:
        points = (np.arange(cells) + rng.random(cells)) * interval
        if keep is not None and len(keep):
            cell_of = np.floor(keep / interval).astype(int)
            inside = cell_of < cells
            points[cell_of[inside]] = keep[inside]
    return points[points < total]


def _mus_sample(pop: pd.DataFrame, points: np.ndarray, interval: float, seed: int, params: dict[str, object],
                total: float) -> Sample:
    ends = pop["book_value"].astype(float).cumsum().to_numpy()
    hit = np.searchsorted(ends, points, side="right")  # the unit whose pounds hold each point
    hits = np.bincount(hit, minlength=len(pop))
    significant = pop["book_value"].astype(float).to_numpy() >= interval
    first_point = np.full(len(pop), np.inf)
    np.minimum.at(first_point, hit, points)
    chosen = pop.assign(hits=hits, first=first_point)[(hits > 0) | significant].copy()
    chosen["selected_by"] = np.where(chosen["book_value"].astype(float) >= interval, "individually-significant",
                                     "point")
    chosen["stratum"] = np.where(chosen["selected_by"] == "point", "sampled", "individually significant")
    chosen = chosen.sort_values("first", kind="stable")
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    strata = pd.DataFrame({
        "stratum": ["individually significant", "sampled"],
        "population": [int(significant.sum()), int((~significant).sum())],
        "value": [float(pop.loc[significant, "book_value"].sum()), float(pop.loc[~significant, "book_value"].sum())],
        "sample": [int((chosen["selected_by"] == "individually-significant").sum()),
                   int((chosen["selected_by"] == "point").sum())],
    })
    return Sample("mus", str(pop["unit"].iloc[0]), int(seed), params, SAMPLE_ITEMS.conform(chosen), strata,
                  len(pop), total)


def extend_sample(sample: Sample, population: pd.DataFrame, size: int) -> Sample:
    """``sample`` grown to about ``size`` items, keeping every item already drawn.

    Random and stratified samples are drawn again with the same seed and parameters at the larger size (their
    permanent random numbers and divisor allocation make that a superset). A monetary unit sample's interval is
    divided by the smallest whole number that reaches ``size`` selection points; its earlier points are kept.
    Raises :class:`SamplingError` when ``size`` is not larger, or when an earlier item is no longer in the
    population (the sample was drawn from another return: draw a new one).
    """
    if size <= sample.size:
        raise SamplingError(f"the sample already has {sample.size} items: extend it to more than that")
    p = sample.parameters
    if sample.method == "mus":
        factors = tuple(int(f) for f in str(p.get("extensions", "")).split(",") if f)
        factor = max(2, math.ceil(size / max(int(str(p["points"])), 1)))
        pop = population.sort_values("item", kind="stable").reset_index(drop=True)
        grown = _mus(pop, None, sample.seed, float(str(p["first_interval"])), str(p["selection"]),
                     (*factors, factor), start=float(str(p["first_start"])))
    else:
        strata = [s for s in str(p.get("strata", "")).split(",") if s]
        grown = draw_sample(population, sample.method, size, sample.seed,  # type: ignore[arg-type]
                            strata=strata, allocation=str(p.get("allocation", "proportional")),
                            minimum=int(p.get("minimum", 2)))  # type: ignore[call-overload]
    missing = set(sample.items["item"]) - set(grown.items["item"])
    if missing:
        raise SamplingError(f"{len(missing)} items of the sample are not drawn again from this population (it "
                            "changed since the sample was drawn): draw a new sample instead of extending")
    return grown
