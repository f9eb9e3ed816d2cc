"""Joins whose size is bounded by their output: the few best right rows for each left row, never every pair.

A plain ``merge`` on a key many rows share (thousands of learners with one ULN, thousands of documents naming
one employer) makes every pair of them: memory grows with the square of the group. The helpers here pick, for
each left row, at most a handful of right rows, the ones a "best candidate" sort could choose, using sorting,
``merge_asof`` and one row per key, so memory stays proportional to the inputs.

Keys compare as :meth:`pandas.DataFrame.merge` compares them: missing values (NA) equal each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

PAIR_COLUMNS = ["_l", "_r"]


def group_ids(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row of ``left`` and of ``right``, equal where the ``keys`` are equal (NA equals NA)."""
    keys = list(keys)
    if not len(left) or not len(right):
        return np.full(len(left), -1, dtype=np.int64), np.full(len(right), -2, dtype=np.int64)
    differ = [k for k in keys if left[k].dtype != right[k].dtype]  # only these need one common type
    both = pd.concat([left[keys].astype(dict.fromkeys(differ, object)),
                      right[keys].astype(dict.fromkeys(differ, object))], ignore_index=True)
    ids = both.groupby(keys, dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)
    return ids[:len(left)], ids[len(left):]


def _pairs(left_pos: npt.ArrayLike, right_pos: npt.ArrayLike) -> pd.DataFrame:
    return pd.DataFrame({"_l": np.asarray(left_pos, dtype=np.int64), "_r": np.asarray(right_pos, dtype=np.int64)})


def best_per_key(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str], order: Sequence[str],
                 ascending: Sequence[bool]) -> pd.DataFrame:
    """For each row of ``left``, the first row of ``right`` with the same ``keys`` when ``right`` is sorted by
    ``order`` (stable, NA last): pairs of positions ``_l``, ``_r``."""
    gl, gr = group_ids(left, right, keys)
    if not len(left) or not len(right):
        return _pairs([], [])
    r = right[list(order)].reset_index(drop=True).assign(_g=gr, _r=np.arange(len(right)))
    merged = pd.DataFrame({"_g": gl, "_l": np.arange(len(left))}).merge(_top(r, order, ascending), on="_g")
    return merged[PAIR_COLUMNS]


def _top(r: pd.DataFrame, order: Sequence[str], ascending: Sequence[bool]) -> pd.DataFrame:
    """``_g`` and ``_r`` of the first row of each group of ``r`` by ``order`` (then ``_r``)."""
    ranked = r.sort_values([*order, "_r"], ascending=[*ascending, True], kind="stable")
    return ranked.drop_duplicates("_g")[["_g", "_r"]]


def _instants(values: pd.Series) -> pd.Series:
    """Dates as ``datetime64[us]`` (one unit for ``merge_asof``; years far beyond 2262 still fit)."""
    return pd.to_datetime(values).astype("datetime64[us]").reset_index(drop=True)


def nearest_dates(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str], left_date: str, right_date: str,
                  order: Sequence[str], ascending: Sequence[bool]) -> pd.DataFrame:
    """For each row of ``left``, the right rows with the same ``keys`` that a sort by "dated on or before the left
    date first, then the nearest date, then ``order``" can put first, at most three: the latest right date on or
    before the left date, the earliest after it and the best without a date (each the first by ``order`` among
    rows of that date). A left row without a date gets the first right row of its key by ``order``. Dates are
    compared as given (normalise them first to compare days). Pairs of positions ``_l``, ``_r``."""
    gl, gr = group_ids(left, right, keys)
    if not len(left) or not len(right):
        return _pairs([], [])
    order, ascending = list(order), list(ascending)
    ld, rd = _instants(left[left_date]), _instants(right[right_date])
    r = right[order].reset_index(drop=True).assign(_g=gr, _d=rd, _r=np.arange(len(right)))
    ranked = r.sort_values(["_g", "_d", *order, "_r"], ascending=[True, True, *ascending, True], kind="stable")
    dated = ranked[ranked["_d"].notna()].drop_duplicates(["_g", "_d"])  # the best row of each key and date
    dated = dated[["_g", "_d", "_r"]].sort_values("_d", kind="stable")
    undated = ranked[ranked["_d"].isna()].drop_duplicates("_g")[["_g", "_r"]]
    lf = pd.DataFrame({"_g": gl, "_d": ld, "_l": np.arange(len(left))})
    has = lf[lf["_d"].notna()].sort_values("_d", kind="stable")
    parts = []
    if len(has) and len(dated):
        for direction, exact in (("backward", True), ("forward", False)):
            hit = pd.merge_asof(has, dated.rename(columns={"_d": "_rd"}), left_on="_d", right_on="_rd", by="_g",
                                direction=direction, allow_exact_matches=exact)
            parts.append(hit.dropna(subset=["_r"]))
    if len(has) and len(undated):
        parts.append(has.merge(undated, on="_g"))
    none = lf[lf["_d"].isna()]
    if len(none):
        parts.append(none.merge(_top(r, order, ascending), on="_g"))
    if not parts:
        return _pairs([], [])
    out = pd.concat([p[PAIR_COLUMNS] for p in parts], ignore_index=True).astype(np.int64)
    return out.drop_duplicates().sort_values(PAIR_COLUMNS, kind="stable").reset_index(drop=True)


def take_pairs(left: pd.DataFrame, right: pd.DataFrame, pairs: pd.DataFrame, on: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of ``left`` and ``right`` of each pair side by side (as ``left.merge(right, on=on)`` would give
    them, ``on`` taken from the left), with the positions ``_l`` and ``_r``; left's index is dropped."""
    a = left.iloc[pairs["_l"].to_numpy()].reset_index(drop=True)
    b = right.iloc[pairs["_r"].to_numpy()].reset_index(drop=True).drop(columns=list(on))
    clash = [c for c in b.columns if c in a.columns]
    if clash:
        raise ValueError(f"take_pairs: columns on both sides: {clash}")
    return pd.concat([a, b], axis=1).assign(_l=pairs["_l"].to_numpy(), _r=pairs["_r"].to_numpy())
