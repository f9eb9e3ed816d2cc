"""The bounded joins of auditkit.facts.nearest pick the same best row as a full merge sorted the same way."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit.facts.nearest import best_per_key, group_ids, nearest_dates, take_pairs

KEYS = st.sampled_from(["a", "b", None])
DAYS = st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 8)))
ORDER, ASC = ["p", "q"], [False, True]


def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    df["k"] = df["k"].astype("string")
    df["d"] = pd.to_datetime(df["d"])
    return df


left_rows = st.lists(st.tuples(KEYS, DAYS), max_size=8)
right_rows = st.lists(st.tuples(KEYS, DAYS, st.integers(0, 2), st.integers(0, 2)), max_size=10)


def naive_best(left: pd.DataFrame, right: pd.DataFrame) -> dict[int, int]:
    """Every pair, ranked: dated on or before the left date first, nearest, then p descending, q, position."""
    pairs = left.assign(_l=np.arange(len(left))).merge(right.assign(_r=np.arange(len(right))), on="k",
                                                       suffixes=("", "_r"))
    after = (~(pairs["d_r"] <= pairs["d"])).astype(int)
    gap = (pairs["d"] - pairs["d_r"]).abs().dt.days.astype("Float64").fillna(float("inf"))
    pairs = pairs.assign(_after=after, _gap=gap).sort_values(
        ["_l", "_after", "_gap", "p", "q", "_r"], ascending=[True, True, True, False, True, True], kind="stable")
    best = pairs.drop_duplicates("_l")
    return dict(zip(best["_l"], best["_r"], strict=True))


@settings(max_examples=300, deadline=None)
@given(left_rows, right_rows)
def test_nearest_dates_keeps_the_best_pair_of_a_full_merge(lrows, rrows):
    left, right = frame(lrows, ["k", "d"]), frame(rrows, ["k", "d", "p", "q"])
    pairs = nearest_dates(left, right, ["k"], "d", "d", ORDER, ASC)
    assert len(pairs) <= 3 * len(left)
    got = take_pairs(left, right.rename(columns={"k": "k_r", "d": "d_r"}), pairs)
    # ranking only the kept pairs gives the same winner as ranking every pair
    kept = got.assign(_after=(~(got["d_r"] <= got["d"])).astype(int),
                      _gap=(got["d"] - got["d_r"]).abs().dt.days.astype("Float64").fillna(float("inf")))
    kept = kept.sort_values(["_l", "_after", "_gap", "p", "q", "_r"], ascending=[True, True, True, False, True, True],
                            kind="stable").drop_duplicates("_l")
    assert dict(zip(kept["_l"], kept["_r"], strict=True)) == naive_best(left, right)


@settings(max_examples=200, deadline=None)
@given(left_rows, right_rows)
def test_best_per_key_is_the_first_of_each_key_sorted(lrows, rrows):
    left, right = frame(lrows, ["k", "d"]), frame(rrows, ["k", "d", "p", "q"])
    pairs = best_per_key(left, right, ["k"], ORDER, ASC)
    full = left.assign(_l=np.arange(len(left))).merge(right.assign(_r=np.arange(len(right))), on="k")
    full = full.sort_values(["_l", "p", "q", "_r"], ascending=[True, False, True, True], kind="stable")
    want = full.drop_duplicates("_l")
    assert dict(zip(pairs["_l"], pairs["_r"], strict=True)) == dict(zip(want["_l"], want["_r"], strict=True))


def test_group_ids_treat_missing_keys_as_equal_like_merge():
    left = pd.DataFrame({"k": pd.array(["a", None, "b"], dtype="string")})
    right = pd.DataFrame({"k": pd.array([None, "a", "c"], dtype="string")})
    gl, gr = group_ids(left, right, ["k"])
    assert gl[0] == gr[1] and gl[1] == gr[0] and gl[2] not in set(gr)
    assert len(left.merge(right, on="k")) == 2  # pandas matches NA with NA too
