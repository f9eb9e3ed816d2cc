"""Column helpers for many rows at little cost: a Python function applied once per distinct value, and texts joined
per group without a Python call per group (issue 13: per-row and per-group Python dominated large audits)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

#: Groups up to this size are joined rank by rank over all groups at once; larger ones by ``str.join`` each.
_RANKS = 16


def per_value(values: pd.Series, func: Callable[[object], object], dtype: str | None = None) -> pd.Series:
    """``values.map(func)`` with ``func`` called once per distinct value (missing values: once, on the first of
    them), aligned with ``values``: for formatting columns that repeat a few values (dates, types, prices)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = codes < 0
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:len(uniques)] = [func(u) for u in uniques]
    if missing.any():
        results[-1] = func(values.iloc[int(np.flatnonzero(missing)[0])])
    return pd.Series(results[codes], index=values.index, dtype=dtype)


def join_groups(groups: np.ndarray, values: np.ndarray, sep: str, count: int | None = None) -> np.ndarray:
    """The ``values`` (text) of each group joined by ``sep``, in the order the rows come: ``groups`` are group
    numbers 0 .. ``count`` - 1 (default: the largest plus one), one per row. Gives one text per group (None for a
    group without rows): the same as ``groupby(groups, sort=True)[values].agg(sep.join)``, without a Python call
    per group."""
    groups = np.asarray(groups, dtype=np.int64)
    values = np.asarray(values, dtype=object)
    count = int(groups.max()) + 1 if count is None and len(groups) else (count or 0)
    out = np.full(count, None, dtype=object)
    if not len(groups):
        return out
    order = np.argsort(groups, kind="stable")
    g, v = groups[order], values[order]
    sizes = np.bincount(g, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(len(g)) - starts[g]
    small = sizes[g] <= _RANKS
    first = small & (rank == 0)
    out[g[first]] = v[first]
    for r in range(1, min(_RANKS, int(sizes.max()))):
        at = small & (rank == r)
        if at.any():
            out[g[at]] = out[g[at]] + sep + v[at]
    for group in np.flatnonzero(sizes > _RANKS):
        out[group] = sep.join(v[starts[group]:starts[group] + sizes[group]])
    return out


def on_distinct(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(values)`` for a vectorised, element-wise ``func``, computed on the distinct values only (and on one
    missing value when there are any), aligned with ``values`` and of ``func``'s dtype: for columns of a few
    values repeated over many rows (FAM codes, evidence types)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = codes < 0
    distinct = pd.Series(uniques)
    if missing.any():
        distinct = pd.concat([distinct, values[missing].iloc[:1].reset_index(drop=True)], ignore_index=True)
    found = func(distinct)
    at = np.where(missing, len(uniques), codes)
    return pd.Series(found.to_numpy()[at], index=values.index, dtype=found.dtype)
