"""Row positions of a frame per key, found once: one learner's rows are taken by position, never by a mask.

A :class:`RowIndex` groups a frame by its key columns once (``groupby(...).indices``); :meth:`RowIndex.take` then
gives the rows of one key in the frame's order, at a cost that does not grow with the frame (the same rows a
boolean mask ``frame[key] == value`` would give; rows whose key has an empty value are never found).
:func:`row_index` keeps one index per frame and keys in a rule context.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from auditkit.facts.context import RuleContext

_NONE = np.array([], dtype=np.intp)


class RowIndex:
    """The positions of the rows of ``frame`` for each value of ``keys`` (one column, or a tuple of several)."""

    def __init__(self, frame: pd.DataFrame, keys: Sequence[str]) -> None:
        self.frame = frame
        self.keys = list(keys)
        by: str | list[str] = self.keys[0] if len(self.keys) == 1 else self.keys
        self._rows: dict[Hashable, np.ndarray] = (
            dict(frame.groupby(by, sort=False, dropna=True, observed=True).indices) if len(frame) else {})

    def rows(self, *key: object) -> np.ndarray:
        """The positions (ascending) of the rows whose keys equal ``key``; none when a part of ``key`` is empty."""
        if len(key) != len(self.keys):
            raise ValueError(f"a key of {len(self.keys)} values ({', '.join(self.keys)}) expected, got {len(key)}")
        if any(v is None or (not isinstance(v, str) and bool(pd.isna(v))) for v in key):
            return _NONE
        found = self._rows.get(key[0] if len(key) == 1 else tuple(key))
        return _NONE if found is None else found

    def take(self, *key: object) -> pd.DataFrame:
        """The rows whose keys equal ``key``, in the frame's order, with their labels."""
        return self.frame.take(self.rows(*key))

    def __len__(self) -> int:
        return len(self._rows)


def row_index(ctx: RuleContext, name: str, frame: pd.DataFrame, keys: Sequence[str]) -> RowIndex:
    """The :class:`RowIndex` of ``frame`` by ``keys``, built once per context under ``name`` (the frame must be
    the same each time: a derived frame the context keeps)."""
    return ctx.memo(("row_index", name, tuple(keys)), lambda: RowIndex(frame, keys))
