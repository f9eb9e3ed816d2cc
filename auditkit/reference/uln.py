"""The Unique Learner Number check digit (ESFA derived data item DD01, validation rule ULN_04)."""

from __future__ import annotations

import pandas as pd

TEMPORARY_ULN = "9999999999"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """The tenth digit a ULN starting with these nine digits must have; None when no digit can be valid."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def is_valid_uln(uln: str | None) -> bool:
    """True for a 10-digit ULN whose check digit is right (the temporary 9999999999 is not valid).

    >>> is_valid_uln("1000000019")
    True
    >>> is_valid_uln("1000000018")
    False
    """
    if uln is None or len(uln) != 10 or not uln.isdigit() or uln[0] == "0":
        return False
    return check_digit(uln[:9]) == int(uln[9])


def usable_uln(uln: pd.Series) -> pd.Series:
    """True where a ULN can identify a person: present and not the temporary 9999999999."""
    return (uln.notna() & (uln.astype("string").str.strip() != TEMPORARY_ULN)).fillna(False).astype(bool)
