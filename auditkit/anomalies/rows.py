"""Building anomaly rows, and the small statistics the detectors share (Poisson tails, robust z-scores)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from pandas.api.typing import NAType
from scipy import stats

from auditkit.frames.anomalies import ANOMALIES

COLUMNS = [f.column for f in ANOMALIES.fields]
#: The modified z-score of Iglewicz and Hoaglin: 0.6745 (x - median) / MAD; |z| above 3.5 is an outlier.
ROBUST_Z_LIMIT = 3.5
_MAD_TO_SIGMA = 0.6745
#: When half or more of the values equal the median (MAD = 0), the mean absolute deviation is used instead,
#: scaled by this so that it estimates the same sigma for normal data (as IBM SPSS and others do).
_MEANAD_TO_SIGMA = 0.7979


def empty() -> pd.DataFrame:
    """An empty anomalies frame."""
    return ANOMALIES.empty()


#: What a column of :func:`anomaly_rows` may be given as: one value for every row, a Series aligned with the rows,
#: or a list (one per row, in order).
Column: TypeAlias = str | float | pd.Series | list[str] | list[float] | None | NAType


def anomaly_rows(rows: pd.DataFrame, *, field: Column, value: Column, message: Column, score: Column,
                 evidence: Column, learner_level: bool = True) -> pd.DataFrame:
    """Anomaly rows for the rows of an aims, learners or providers frame (``ukprn`` and, unless provider-level,
    ``learn_ref_number``; ``uln``, ``aim_seq_number``, ``path`` and ``line`` when present). ``value``,
    ``message``, ``score`` and ``evidence`` are scalars or Series aligned with ``rows``. Never pass a personal
    value: detectors name counts and districts, not phones, names or addresses."""
    if rows.empty:
        return pd.DataFrame(columns=[c for c in COLUMNS if c not in ("rule_id", "severity")])

    def col(name: str) -> Any:
        return rows.get(name, pd.NA)

    source = col("path")
    if "path" in rows and "line" in rows:
        line = rows["line"].astype("Int64").astype("string")
        source = rows["path"].astype("string") + (":" + line).fillna("")
    out = pd.DataFrame({
        "ukprn": rows["ukprn"],
        "learn_ref_number": col("learn_ref_number") if learner_level else pd.NA,
        "uln": col("uln") if learner_level else pd.NA,
        "aim_seq_number": col("aim_seq_number") if learner_level else pd.NA,
        "field": field, "value": value, "message": message, "source": source,
        "score": score, "evidence": evidence,
    }, index=rows.index)
    return out.reset_index(drop=True)


def poisson_tail(count: pd.Series | float, expected: pd.Series | float) -> np.ndarray:
    """P(X >= count) for X ~ Poisson(expected): how surprising ``count`` is if events came at the expected rate."""
    return stats.poisson.sf(np.asarray(count, dtype=float) - 1, np.asarray(expected, dtype=float))


def robust_z(values: pd.Series) -> pd.Series:
    """The modified z-score 0.6745 (x - median) / MAD of each value against the others (NaN for NaN, and all
    NaN when fewer than 3 values or no spread at all)."""
    x = values.astype(float)
    known = x.dropna()
    if len(known) < 3:
        return pd.Series(np.nan, index=values.index)
    median = known.median()
    mad = (known - median).abs().median()
    if mad > 0:
        return _MAD_TO_SIGMA * (x - median) / mad
    meanad = (known - median).abs().mean()
    if meanad == 0:
        return pd.Series(np.nan, index=values.index)
    return _MEANAD_TO_SIGMA * (x - median) / meanad


class Salt:
    """A random salt made once per run (``secrets``): values are compared as salted SHA-256 hashes, so equal
    values can be grouped without keeping or showing them. The salt is never written anywhere."""

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(16)

    def hash(self, values: pd.Series) -> pd.Series:
        """The salted hash of each value (NA stays NA)."""
        def one(v: object) -> object:
            if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "":
                return pd.NA
            return hashlib.sha256(self._salt + str(v).encode("utf-8")).hexdigest()

        return pd.Series([one(v) for v in values], index=values.index, dtype="string")
