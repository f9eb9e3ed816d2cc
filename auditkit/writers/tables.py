"""Writing result frames to files people open: CSV, JSON and XLSX, safe for spreadsheets.

Text in the frames comes from the providers being audited. A spreadsheet treats a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so :func:`safe_cell` prefixes such text with
an apostrophe (the convention spreadsheets themselves use for "this is text"). Numbers stay numbers: a cell
holding a number, or text that is exactly a plain number such as ``-12.50``, is written as it is.

The output format follows the file's extension (:data:`FORMAT_OF_SUFFIX`); :func:`output_format` refuses an
extension it does not know, or a ``--format`` that contradicts it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import InputError

#: Output format of each file extension.
FORMAT_OF_SUFFIX = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "table"}
#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Characters XML (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class OutputError(InputError):
    """An output path or format that cannot be used; the message says what would work."""


def output_format(out: Path | None, fmt: str | None, default: str = "table") -> str:
    """The format to write: the one ``out``'s extension names, else ``fmt``, else ``default``.

    Raises :class:`OutputError` for an extension with no known format (unless ``fmt`` is given), for a
    ``fmt`` that contradicts the extension, and for XLSX without a file."""
    if out is not None:
        by_suffix = FORMAT_OF_SUFFIX.get(out.suffix.lower())
        if by_suffix is None and fmt is None:
            known = ", ".join(f"{s} ({f})" for s, f in FORMAT_OF_SUFFIX.items())
            raise OutputError(f"{out}: cannot tell the output format from the extension "
                              f"'{out.suffix or '(none)'}'; use one of {known}, or give --format")
        if by_suffix is not None and fmt is not None and fmt != by_suffix:
            raise OutputError(f"{out}: the extension {out.suffix} means {by_suffix}, but --format {fmt} was "
                              f"given; drop --format or name the file .{fmt if fmt != 'table' else 'txt'}")
        return by_suffix or fmt or default
    chosen = fmt or default
    if chosen == "xlsx":
        raise OutputError("--format xlsx writes a workbook: give --out FILE.xlsx")
    return chosen


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet should get it: text that would start a formula is prefixed with ``'``.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("-12.50"), safe_cell(-3), safe_cell("Jo")
    ('-12.50', -3, 'Jo')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a formula (numbers, dates and booleans untouched)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.StringDtype):  # text or missing: checked without the accessor's overhead
            texts = series
            risky = np.array([v.startswith(FORMULA_STARTS) if v.__class__ is str else False
                              for v in series.to_numpy(dtype=object)], dtype=bool)
        elif pd.api.types.is_string_dtype(series) or series.dtype == object:
            texts = series.astype("string")
            risky = texts.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
        else:
            continue
        if risky.any():  # a plain number (-12.50) is not a formula: checked on the few cells that start so
            risky[risky] = ~texts[risky].str.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out[column] = series.astype(object).where(~risky, "'" + texts.astype(object))
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame, float_format: str | None = None) -> str:
    """CSV text: a header row, dates as YYYY-MM-DD, formula-safe text."""
    return safe_frame(frame).to_csv(index=False, date_format="%Y-%m-%d", float_format=float_format,
                                    lineterminator="\n")


def to_json(frame: pd.DataFrame) -> str:
    """JSON records, dates as YYYY-MM-DD text, missing values as null."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").astype(object).where(out[column].notna(), None)
    return out.to_json(orient="records", indent=2) + "\n"


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        return value.date() if value == dt.datetime.combine(value.date(), dt.time()) else value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    if isinstance(value, str):
        return safe_cell(_ILLEGAL_XML.sub("", value))
    return value


#: Excel's number format for pounds, and the widest a column is made (characters).
POUNDS_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'
MAX_WIDTH = 60


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path, money: Iterable[str] | None = None) -> None:
    """Write each frame to its own sheet of a workbook (openpyxl): a bold, frozen header row, filters, columns as
    wide as their contents (up to :data:`MAX_WIDTH`), dates as dates, pounds (the columns declared as money, or
    ``money``) in a pounds format, numbers as numbers and text as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from auditkit.frames import MONEY_COLUMNS

    pounds = set(MONEY_COLUMNS if money is None else money)
    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet")
        sheet.freeze_panes = "A2"
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[_column_letter(i)].width = _width(frame[column], str(column))
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=safe_cell(str(column)))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        is_money = [str(c) in pounds for c in frame.columns]
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for value, money_cell in zip(row, is_money, strict=True):
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif money_cell and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = POUNDS_FORMAT
                cells.append(cell)
            sheet.append(cells)
        if len(frame.columns):
            sheet.auto_filter.ref = f"A1:{_column_letter(len(frame.columns))}{len(frame) + 1}"
    book.save(path)


def _width(values: pd.Series, header: str, sample: int = 500) -> float:
    """A column width that fits the header and the first ``sample`` values (plus the filter button)."""
    head = values.head(sample)
    if pd.api.types.is_datetime64_any_dtype(head):
        longest = 16 if (head.dropna().dt.normalize() != head.dropna()).any() else 10
    else:
        longest = int(head.astype("string").str.len().max()) if head.notna().any() else 0
    return float(min(MAX_WIDTH, max(len(header) + 3, longest + 2)))


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def prepare_out(path: Path) -> None:
    """Make ``path``'s folder (and its parents) if missing; refuse a path that is a folder."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name such as {path / 'findings.csv'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create its folder {path.parent} ({exc.strerror or exc})") from exc


def prepare_folder(path: Path) -> None:
    """Make the folder ``path`` (and its parents) if missing; refuse a path that is a file."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file, not a folder; give a folder to write into (it is created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the folder ({exc.strerror or exc})") from exc
