"""How auditkit declares a frame: a :class:`Frame` of :class:`Field` objects.

Every frame (ILR entities, returns, contracts, evidence, findings, milestones, KPIs, ...) is declared once, in
:mod:`auditkit.frames`, as a :class:`Frame`: its name, what gives it, and its fields (column name, source element
or key, kind, description, whether it is personal data). The pandera schema, the empty frame, the one function
that gives a frame its dtypes (:meth:`Frame.conform`) and the generated ``docs/frames.md`` all come from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pandera.pandas as pa

#: The declared text dtype: pandas' nullable string, in the storage pandas picks (see :data:`DTYPES`).
TEXT = "string"

#: pandas dtype of each field kind.
#:
#: Text is ``"string"``, whatever storage pandas picks for it: with pandas 3 and pyarrow (a dependency since issue
#: 19, for the Parquet cache) that is pyarrow, with pandas 2.2 Python objects. Not pinned to Python storage
#: (``pd.StringDtype("python")``), measured in the same runs on the loaded 2-CPU machine (load average 4-5,
#: 2026-12-01, pandas 3.1.1, pyarrow 26.0.1; ``benchmarks/audit.py --compare``; ``auditkit check samples`` prints
#: the same bytes in all three):
#:
#: - at 10,000 learners (5 runs, too noisy for time: same-run pairs within 0.6-1.3x either way) pinning only the
#:   declared frames (this dtype) mixes storages, as the rest of the code converts with ``"string"``, and takes the
#:   most memory: peak 373-383 MB (with a tracker 470-483 MB) against 349-352 MB (423-430 MB) with Python storage
#:   everywhere (every ``"string"`` as ``"string[python]"``) and 353-356 MB (432-436 MB) with pandas' pyarrow;
#: - at 100,000 learners Python storage everywhere took 46.2 s (peak 1,346 MB) against 39.6 s (1,130 MB) with
#:   pyarrow, and with a tracker 102.4 s (2,042 MB) against 53.0 s (1,852 MB): rules, evidence and milestones
#:   run faster on pyarrow strings (issue 13 measured the opposite, 92-110 s on pyarrow against 52-54 s, on the
#:   code of that time); ``auditkit check samples``: 6.6-9.6 s either way, as noisy.
#:
#: So text stays ``"string"``; no global pandas option is set. Tests that need a storage ask for this dtype.
DTYPES: dict[str, str] = {
    "str": TEXT,
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
    money: bool = False  # pounds: exports show it in a pounds format

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]



def Money(column: str, xml: str, kind: str = "decimal", description: str = "", **more: object) -> Field:
    """A field of pounds (``money=True``): declared like :class:`Field`, shown in a pounds format by exports."""
    return Field(column, xml, kind, description, money=True, **more)  # type: ignore[arg-type]


#: A whole-frame check: a function of the frame giving one boolean per row, and the message when one is False.
FrameCheck = tuple[Callable[[pd.DataFrame], pd.Series], str]


@dataclass(frozen=True, eq=False)
class Frame:
    """One frame: its ``name``, ``description`` (one line), ``given_by`` (the function and command that give it,
    for ``docs/frames.md``), and ``fields``; optional pandera ``checks`` per column, ``not_null`` columns and
    whole-frame ``frame_checks``. ``strict=False`` frames may carry extra columns after the declared ones
    (``ordered=False``: in any order)."""

    name: str
    description: str
    fields: tuple[Field, ...]
    given_by: str = ""
    checks: Mapping[str, Sequence[pa.Check]] = field(default_factory=dict)
    not_null: frozenset[str] = frozenset()
    frame_checks: tuple[FrameCheck, ...] = ()
    strict: bool = True
    ordered: bool = True

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def dtypes(self) -> dict[str, str]:
        return {f.column: f.dtype for f in self.fields}

    @property
    def personal(self) -> dict[str, str]:
        """Column -> kind of personal data, for the personal columns."""
        return {f.column: f.personal for f in self.fields if f.personal}

    def field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)

    def with_fields(self, fields: Iterable[Field], name: str | None = None) -> Frame:
        """The same frame with other fields (a variant, e.g. a summary split by return)."""
        return Frame(name or self.name, self.description, tuple(fields), self.given_by, self.checks,
                     self.not_null, self.frame_checks, self.strict, self.ordered)

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        """The pandera schema: one column per field, nullable unless in ``not_null``."""
        return pa.DataFrameSchema(
            {f.column: pa.Column(f.dtype, checks=list(self.checks.get(f.column, ())) or None,
                                 nullable=f.column not in self.not_null, description=f.description)
             for f in self.fields},
            name=self.name, description=self.description, strict=self.strict, ordered=self.ordered, coerce=False,
            checks=[pa.Check(fn, error=error) for fn, error in self.frame_checks] or None,
        )

    def empty(self) -> pd.DataFrame:
        """An empty frame with the declared columns and dtypes."""
        return pd.DataFrame({f.column: pd.Series(dtype=f.dtype) for f in self.fields})

    def conform(self, rows: pd.DataFrame | Iterable[Mapping[str, object]] | None) -> pd.DataFrame:
        """``rows`` with exactly the declared columns, in order, with their dtypes (the one place auditkit gives a
        frame its dtypes); missing columns are empty, other columns are left out, the index is 0..n-1.

        Whole numbers become Int64 (what is not a whole number that fits in 64 bits is left empty), decimals
        Float64, dates and date-times datetime64[ns] (text as ISO 8601, a time-zone offset dropped and the clock
        time kept; what does not parse, or lies beyond what nanoseconds hold, is NaT), booleans boolean, text
        string (dates as YYYY-MM-DD, whole decimals without ``.0``)."""
        if rows is None:
            return self.empty()
        df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        if len(df) == 0:
            return self.empty()
        df = df.reset_index(drop=True)
        return pd.DataFrame({f.column: conform_column(df[f.column] if f.column in df else _missing(len(df)), f.kind)
                             for f in self.fields}, index=df.index)

    def validate(self, df: pd.DataFrame, *, lazy: bool = False) -> pd.DataFrame:
        """``df`` checked against :attr:`schema` (raises pandera's SchemaError(s) when it does not fit)."""
        return self.schema.validate(df, lazy=lazy)


def _missing(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype=object)


def empty_column(kind: str, n: int) -> pd.api.extensions.ExtensionArray:
    """``n`` missing values of a kind's dtype (built from masks and buffers: a list of Nones converts slowly)."""
    missing = np.ones(n, dtype=bool)
    if kind == "int":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), missing)
    if kind == "decimal":
        return pd.arrays.FloatingArray(np.zeros(n, dtype=np.float64), missing)
    if kind == "bool":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), missing)
    if kind in ("date", "datetime"):
        return pd.array(np.full(n, np.datetime64("NaT", "ns")), dtype=DTYPES[kind])
    return pd.array(np.full(n, None, dtype=object), dtype=DTYPES[kind])


def parse_text(values: np.ndarray, kind: str,
               present: np.ndarray | None = None) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """One raw column as read from a file (stripped text or None) as its kind's dtype, strictly (dates as
    YYYY-MM-DD, date-times as ISO 8601), and the mask of the values that could not be read (left empty).
    ``present``: where values are non-empty, when the caller has it."""
    if present is None:
        present = values.astype(bool)
    if not present.any():  # common: optional elements nobody fills in
        return empty_column(kind, len(values)), present
    if kind == "str":
        text = np.where(present, values, None)  # type: ignore[call-overload]  # numpy stubs: no None fill
        return pd.array(text, dtype=TEXT), np.zeros(len(values), bool)
    if kind == "int":
        try:  # the common case, plain digits: five times faster than to_numeric
            numbers = np.zeros(len(values), dtype=np.int64)
            numbers[present] = values[present].astype(np.int64)
            return pd.arrays.IntegerArray(numbers, ~present), np.zeros(len(values), bool)
        except (ValueError, OverflowError, TypeError):
            pass  # something else in the column: the careful path below says what
    series = pd.Series(np.where(present, values, None), dtype=object)  # type: ignore[call-overload]  # numpy stubs: no None fill
    if kind in ("int", "decimal"):
        numbers = pd.to_numeric(series, errors="coerce")
        if kind == "int":
            numbers = numbers.where((numbers % 1 == 0) & (numbers.abs() < 2**63))
        typed = numbers.astype("Int64" if kind == "int" else "Float64")
    elif kind == "date":
        typed = in_ns_range(pd.to_datetime(series, format="%Y-%m-%d", errors="coerce"))
    else:
        typed = datetimes(series)
    return typed.array, present & typed.isna().to_numpy()


def key_array(values: np.ndarray, kind: str) -> pd.api.extensions.ExtensionArray:
    """Key values the reader made itself (return ids, UKPRNs, lines: already of their kind) as the kind's dtype."""
    if kind == "int":  # Python ints or None: through a mask, ten times faster than pd.array
        missing = pd.isna(values)
        numbers = np.zeros(len(values), dtype=np.int64)
        try:
            numbers[~missing] = values[~missing].astype(np.int64)
        except (OverflowError, TypeError, ValueError):
            return pd.array(values, dtype=DTYPES[kind])
        return pd.arrays.IntegerArray(numbers, missing)
    return pd.array(values, dtype=DTYPES[kind])


def conform_column(values: pd.Series, kind: str) -> pd.Series:
    """One column as its kind's dtype (see :meth:`Frame.conform`)."""
    if kind == "int":
        return whole_numbers(values)
    if kind == "decimal":
        return pd.to_numeric(values, errors="coerce").astype("Float64")
    if kind in ("date", "datetime"):
        return datetimes(values)
    if kind == "bool":
        return values.astype(object).where(values.notna(), None).astype("boolean")
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype(TEXT)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype(TEXT)
    return values.map(_text, na_action="ignore").astype(TEXT)


def whole_numbers(values: pd.Series) -> pd.Series:
    """``values`` as Int64; what is not a whole number that fits (a 20-digit UKPRN, 1.5, text) is left empty."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.dtype == object:  # Python integers beyond int64
        numbers = pd.to_numeric(numbers.map(lambda v: v if isinstance(v, int) and abs(v) < 2**63 else None),
                                errors="coerce")
    if numbers.dtype.kind == "f":
        fits = ((numbers.abs() < 2**63) & (numbers == numbers.round())).astype("boolean").fillna(False)
        numbers = numbers.where(fits.astype(bool))
    return numbers.astype("Int64")


#: A time-zone offset at the end of a date-time text (``Z``, ``+01:00``, ``-0500``).
TIME_ZONE_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
#: The date-times a ``datetime64[ns]`` column can hold (1677-09-21 00:12:43 to 2262-04-11 23:47:16).
NS_RANGE = (pd.Timestamp.min, pd.Timestamp.max)


def datetimes(values: pd.Series) -> pd.Series:
    """``values`` as datetime64[ns]: text read as ISO 8601 with its time-zone offset (``Z``, ``+01:00``) dropped
    and the clock time kept (``12:00:49+01:00`` is 12:00:49, not converted to UTC); what does not parse, or lies
    beyond what nanoseconds hold (before 1677, after 2262), is NaT."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if not pd.api.types.is_datetime64_dtype(values):
        text = values.astype(object).where(values.notna(), None).map(_date_or_text)
        values = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return in_ns_range(values)


def _date_or_text(value: object) -> object:
    """A value ``pd.to_datetime`` may read as a date: text (its time-zone offset dropped), a date or a date-time;
    anything else (a number, a boolean) is no date."""
    if isinstance(value, str):
        return TIME_ZONE_OFFSET.sub("", value.strip())
    return value if isinstance(value, dt.date) else None


def in_ns_range(parsed: pd.Series) -> pd.Series:
    """Parsed date-times as ``datetime64[ns]``; those it cannot hold (before 1677, after 2262) become NaT."""
    if str(parsed.dtype) == "datetime64[ns]":
        return parsed
    if parsed.dtype == object:  # dates pandas left as Python objects: out of its range
        parsed = pd.Series([v if isinstance(v, dt.datetime) and NS_RANGE[0] <= pd.Timestamp(v) <= NS_RANGE[1]
                            else pd.NaT for v in parsed], index=parsed.index, dtype=object)
        return pd.to_datetime(parsed, errors="coerce").astype("datetime64[ns]")
    fits = parsed.isna() | ((parsed >= NS_RANGE[0]) & (parsed <= NS_RANGE[1]))
    return parsed.where(fits).astype("datetime64[ns]")


def _text(value: object) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
