"""Masking of personal data (ILR files are OFFICIAL-SENSITIVE).

Every display and export masks names, dates of birth, NI numbers, addresses, phone numbers and e-mails
by default. Which columns are personal is declared once, in :mod:`auditkit.frames.ilr`.
"""

from __future__ import annotations

import re
from typing import Any, overload

import pandas as pd

from auditkit.frames.ilr import ENTITIES, personal_columns

MASK = "***"
PERSONAL_COLUMNS: dict[str, str] = personal_columns()
PERSONAL_ELEMENTS: dict[str, str] = {f.xml: f.personal for e in ENTITIES for f in e.fields if f.personal}
#: Element names (casefolded) known not to hold personal data: an unknown element's value is shown only for these.
_NON_PERSONAL: set[str] = {f.xml.casefold() for e in ENTITIES for f in e.fields if f.xml and not f.personal}


@overload
def mask_value(kind: str, value: str) -> str: ...
@overload
def mask_value(kind: str, value: object) -> object: ...
def mask_value(kind: str, value: object) -> object:
    """Mask one value of a kind of personal data; missing values stay missing.

    >>> mask_value("name", "Jordan")
    'J***'
    >>> mask_value("postcode", "B15 2TT")
    'B15 ***'
    >>> mask_value("dob", "1990-04-01")
    '1990-**-**'
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
    if kind == "name":
        return text[:1] + MASK
    if kind == "dob":
        return text[:4] + "-**-**"
    if kind == "ni":
        return text[:2] + MASK
    if kind == "postcode":
        outward = text.strip().split(" ")[0] if " " in text.strip() else text.strip()[:-3]
        return f"{outward} {MASK}" if outward else MASK
    return MASK


def mask_frame(df: pd.DataFrame, reveal: bool = False) -> pd.DataFrame:
    """A copy of ``df`` with its personal columns masked (unless ``reveal``).

    Also masks ``value`` in problem and finding frames where ``field`` names a personal element.
    """
    if reveal:
        return df
    out = df.copy()
    for column in out.columns:
        kind = PERSONAL_COLUMNS.get(column)
        if kind:
            out[column] = pd.array([mask_value(kind, v) for v in out[column]], dtype="string")
    if {"path", "field", "value"} <= set(out.columns):  # unknown elements: only known non-personal ones shown
        shown = out["field"].map(lambda f: isinstance(f, str) and f.casefold() in _NON_PERSONAL)
        out["value"] = out["value"].astype("string").where(shown.astype(bool) | out["value"].isna(), MASK)
        return out
    if {"field", "value"} <= set(out.columns):
        kinds = out["field"].map(lambda f: PERSONAL_ELEMENTS.get(f) or PERSONAL_COLUMNS.get(f))
        personal = (kinds.notna() & out["value"].notna()).fillna(False).astype(bool)
        if personal.any():
            raw = [_text(v) for v in out.loc[personal, "value"]]
            masked = [mask_value(k, v) for k, v in zip(kinds[personal], raw, strict=True)]
            out["value"] = out["value"].astype("string")
            out.loc[personal, "value"] = masked
            for column in MESSAGE_COLUMNS & set(out.columns):
                texts = out.loc[personal, column].astype("string")
                out[column] = out[column].astype("string")
                out.loc[personal, column] = [_hide(t, r, m) for t, r, m in zip(texts, raw, masked, strict=True)]
    return out


#: Columns of problem and finding frames whose text may quote the row's ``value``.
MESSAGE_COLUMNS = {"message", "reason"}


def _text(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _hide(text: Any, raw: str, masked: str) -> Any:
    """``text`` with every occurrence of the personal value ``raw`` replaced by its masked form."""
    if text is None or text is pd.NA or not raw.strip():
        return text
    return re.sub(rf"(?<!\w){re.escape(raw.strip())}(?!\w)", lambda _: masked, str(text))
