"""How auditkit declares a frame: a tuple of :class:`Field` objects, turned into a pandera schema.

Every frame (ILR entities, returns, contracts, evidence, findings, milestones, KPIs, ...) is declared once as
fields: column name, source element or key, kind, description, and whether it is personal data. The schema,
the empty frame and the generated ``docs/frames.md`` all come from that declaration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

#: pandas dtype of each field kind.
DTYPES: dict[str, str] = {
    "str": "string",
    "int": "Int64",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns]",
    "decimal": "Float64",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Field:
    """One column of a frame, and where it is read from (an XML element, a file column or key)."""

    column: str
    xml: str
    kind: str = "str"
    description: str = ""
    personal: str | None = None  # kind of personal data: name, dob, ni, address, phone, email, postcode
    required: bool = False  # the source requires it (minOccurs=1 in the XSD, a mandatory column or key)

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


def frame_schema(name: str, fields: Sequence[Field], description: str, *,
                 checks: Mapping[str, list[pa.Check]] | None = None, not_null: Iterable[str] = (),
                 strict: bool = True, ordered: bool = True,
                 frame_checks: list[pa.Check] | None = None) -> pa.DataFrameSchema:
    """The pandera schema of a declared frame: one nullable column per field (except ``not_null`` ones), with
    optional per-column ``checks`` and whole-frame ``frame_checks``."""
    checks = checks or {}
    not_null = set(not_null)
    return pa.DataFrameSchema(
        {f.column: pa.Column(f.dtype, checks=checks.get(f.column), nullable=f.column not in not_null,
                             description=f.description) for f in fields},
        name=name, description=description, strict=strict, ordered=ordered, coerce=False, checks=frame_checks,
    )


def empty_frame_of(fields: Sequence[Field]) -> pd.DataFrame:
    """An empty frame with the declared columns and dtypes."""
    return pd.DataFrame({f.column: pd.Series(dtype=f.dtype) for f in fields})
