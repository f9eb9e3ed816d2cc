"""A frame's Arrow (Parquet) schema and the frame from an Arrow table: the declared dtypes, exactly (issue 19's
Parquet cache, ``docs/parquet.md``). pyarrow is imported only when these are called."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.frames.fields import DTYPES, Frame

if TYPE_CHECKING:
    import pyarrow as pa

#: The Parquet (Arrow) type of each field kind: timestamps keep pandas' nanoseconds (Parquet TIMESTAMP(NANOS), not
#: adjusted to UTC: the clock times the file gives).
ARROW_TYPES = {"str": "string", "int": "int64", "decimal": "double", "bool": "bool", "date": "timestamp[ns]",
               "datetime": "timestamp[ns]"}


def arrow_schema(frame: Frame) -> pa.Schema:
    """The Arrow schema of ``frame``, from its declaration (every column nullable)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(), "bool": pa.bool_(),
             "timestamp[ns]": pa.timestamp("ns")}
    return pa.schema([pa.field(f.column, types[ARROW_TYPES[f.kind]]) for f in frame.fields])


def from_arrow(table: pa.Table, frame: Frame) -> pd.DataFrame:
    """The rows of an Arrow ``table`` of :func:`arrow_schema` as ``frame`` declares them: its columns, in order,
    with its dtypes (raises ValueError when a column does not convert)."""
    text = [f.column for f in frame.fields if f.kind == "str"]
    rest = table.select([f.column for f in frame.fields if f.kind != "str"])
    df = (rest.to_pandas(types_mapper=_pandas_type, ignore_metadata=True) if rest.num_columns
          else pd.DataFrame(index=pd.RangeIndex(table.num_rows)))
    for column in text:
        df[column] = _text_column(table.column(column))
    df = df[frame.columns]
    for column, dtype in frame.dtypes.items():
        if df[column].dtype != dtype:
            try:
                df[column] = df[column].astype(dtype)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {column} is not {dtype}") from exc
    return df


def _text_column(column: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow text column as the declared text dtype: kept in Arrow when pandas stores text in pyarrow; as Python
    objects, each distinct text one object (as the reader shares them: an object per value takes a third more
    memory), when it stores text in Python."""
    import pyarrow.compute as pc

    dtype = pd.api.types.pandas_dtype(DTYPES["str"])
    if getattr(dtype, "storage", "python") != "python":
        return dtype.__from_arrow__(column)
    encoded = pc.dictionary_encode(column).combine_chunks()
    words = np.asarray(encoded.dictionary.to_pylist() + [pd.NA], dtype=object)
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return pd.arrays.StringArray(words[codes])


def _pandas_type(arrow_type: Any) -> Any:
    """The declared pandas dtype of a (non-text) Arrow type; None: pyarrow's own conversion (timestamps)."""
    import pyarrow as pa

    if pa.types.is_int64(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_float64(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None
