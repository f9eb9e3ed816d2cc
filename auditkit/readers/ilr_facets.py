"""Check one column of raw ILR values against the facets its year's schema gives (length, pattern, range, ...).

Values are the stripped text of each element (None where the element is absent). Checks are vectorised where
that is cheap; a value is only looked at one by one for patterns. Nothing is changed: the reader keeps every
value as written and reports what breaks a facet.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from auditkit.frames.ilr_schema import Element

#: One broken facet: row index within the column, facet name, what the schema expects.
Violation = tuple[int, str, str]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _nul_free(pattern: str) -> bool:
    """Whether ``pattern`` can never match a NUL (no ``.``, negated class or negated escape), so values joined by
    NUL all match it exactly when the joined text matches :func:`_joined`."""
    return re.search(r"\.|\[\^|\\[DWS]", pattern) is None


@cache
def _joined(pattern: str) -> re.Pattern[str]:
    """Matches NUL-joined values that all match ``pattern`` (XML text never holds NUL)."""
    return re.compile(f"(?:{pattern})(?:\x00(?:{pattern}))*")


def _text_facets(el: Element, idx: np.ndarray, values: np.ndarray, restricted: str | None) -> list[Violation]:
    out: list[Violation] = []
    if el.length is not None or el.min_length is not None or el.max_length is not None:
        lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        for facet, bad, expected in (
            ("length", None if el.length is None else lens != el.length, f"exactly {el.length} characters"),
            ("minLength", None if el.min_length is None else lens < (el.min_length or 0),
             f"at least {el.min_length} characters"),
            ("maxLength", None if el.max_length is None else lens > (el.max_length or 0),
             f"at most {el.max_length} characters"),
        ):
            if bad is not None and bad.any():
                out += [(int(i), facet, expected) for i in idx[bad]]
    if el.pattern and not (_nul_free(el.pattern) and _joined(el.pattern).fullmatch("\x00".join(values))):
        rx = _compiled(el.pattern)
        out += [(int(i), "pattern", el.pattern) for i, v in zip(idx, values, strict=True) if rx.fullmatch(v) is None]
    if el.restricted and restricted and _joined(restricted).fullmatch("\x00".join(values)) is None:
        rx = _compiled(restricted)
        out += [(int(i), "pattern", "only the characters of the ILR's RestrictedString")
                for i, v in zip(idx, values, strict=True) if rx.fullmatch(v) is None]
    if el.enumeration:
        allowed = set(el.enumeration)
        out += [(int(i), "enumeration", " or ".join(el.enumeration))
                for i, v in zip(idx, values, strict=True) if v not in allowed]
    return out


def _num(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _digits(text: str) -> tuple[int, int]:
    """Total and fraction digits of a decimal's text (leading and trailing zeros not counted)."""
    whole, _, frac = text.lstrip("+-").partition(".")
    whole, frac = whole.lstrip("0"), frac.rstrip("0")
    return len(whole) + len(frac), len(frac)


def _number_facets(el: Element, idx: np.ndarray, values: np.ndarray, numbers: np.ndarray | None) -> list[Violation]:
    out: list[Violation] = []
    if numbers is None:  # a text column the schema types as a number (ULN): read its numbers here
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(numbers)
        if bad.any():
            expected = "a whole number" if el.kind == "int" else "a number"
            out += [(int(i), "type", expected) for i in idx[bad]]
    with np.errstate(invalid="ignore"):
        if el.min_inclusive is not None:
            out += [(int(i), "minInclusive", f"at least {_num(el.min_inclusive)}")
                    for i in idx[numbers < el.min_inclusive]]
        if el.max_inclusive is not None:
            out += [(int(i), "maxInclusive", f"at most {_num(el.max_inclusive)}")
                    for i in idx[numbers > el.max_inclusive]]
        if el.total_digits is not None or el.fraction_digits is not None:
            if el.kind == "int":
                if el.total_digits is not None:
                    out += [(int(i), "totalDigits", f"at most {el.total_digits} digits")
                            for i in idx[np.abs(numbers) >= 10.0 ** el.total_digits]]
            else:
                for i, v, n in zip(idx, values, numbers, strict=True):
                    if np.isnan(n):
                        continue
                    total, frac = _digits(v)
                    if el.total_digits is not None and total > el.total_digits:
                        out.append((int(i), "totalDigits", f"at most {el.total_digits} digits"))
                    if el.fraction_digits is not None and frac > el.fraction_digits:
                        out.append((int(i), "fractionDigits", f"at most {el.fraction_digits} decimal places"))
    return out


def violations(el: Element, values: np.ndarray, numbers: np.ndarray | None, restricted: str | None,
               present: np.ndarray | None = None) -> list[Violation]:
    """The facets of ``el`` that the non-empty ``values`` break.

    ``numbers``: the column's values as floats (NaN where not a number), when the reader typed it as a number;
    None for a text column. ``restricted``: the year's RestrictedString pattern. ``present``: where ``values`` are
    non-empty, when the caller has it.
    """
    if present is None:
        present = values.astype(bool)
    if not present.any():
        return []
    idx = np.flatnonzero(present)
    vals = values[idx]
    if el.kind == "str":
        return _text_facets(el, idx, vals, restricted)
    if el.kind in ("int", "decimal"):
        nums = None if numbers is None else numbers[idx]
        if nums is not None:
            keep = ~np.isnan(nums)  # values that are not numbers were reported when typing the column
            idx, vals, nums = idx[keep], vals[keep], nums[keep]
        return _number_facets(el, idx, vals, nums)
    return []


def has_facets(el: Element) -> bool:
    """Whether ``el`` has anything :func:`violations` checks."""
    return el.kind in ("str", "int", "decimal") and any(
        v is not None and v is not False for v in (
            el.length, el.min_length, el.max_length, el.pattern, el.enumeration, el.min_inclusive,
            el.max_inclusive, el.total_digits, el.fraction_digits)) or el.restricted


def accepts_empty(el: Element) -> bool:
    """Whether the schema lets ``el`` be written empty (``<X></X>``)."""
    if el.kind != "str":
        return False
    if el.length or el.min_length or el.enumeration:
        return False
    return el.pattern is None or _compiled(el.pattern).fullmatch("") is not None
