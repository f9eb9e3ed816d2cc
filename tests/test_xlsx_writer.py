"""Workbooks people open: a frozen bold header, filters, widths that fit, dates as dates, pounds as pounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from auditkit.frames import MONEY_COLUMNS
from auditkit.frames.funding import MILESTONE_FRAME
from auditkit.writers.tables import MAX_WIDTH, POUNDS_FORMAT, write_xlsx


def test_money_is_declared_once_in_the_frames() -> None:
    assert {"amount_claimed", "amount_due", "at_risk", "price", "book_value"} <= MONEY_COLUMNS
    assert "contribution" not in MONEY_COLUMNS and "share" not in MONEY_COLUMNS
    assert MILESTONE_FRAME.field("amount_claimed").money and not MILESTONE_FRAME.field("share").money


def test_cells_keep_their_types_and_formats(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "learn_ref_number": ["=HYPERLINK(1)", "A" * 200], "amount_claimed": [1400.0, 810.5], "share": [0.4, 0.3],
        "milestone_date": pd.to_datetime(["2024-09-23", None]), "aims": pd.array([3, None], dtype="Int64"),
    })
    path = tmp_path / "book.xlsx"
    write_xlsx({"milestones": frame}, path)
    sheet = load_workbook(path)["milestones"]
    assert [c.value for c in sheet[1]] == list(frame.columns)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 1400.0 and sheet["B2"].number_format == POUNDS_FORMAT
    assert sheet["C2"].value == 0.4 and sheet["C2"].number_format == "General"
    assert sheet["D2"].value == dt.datetime(2024, 9, 23) and sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E3"].value is None
    assert sheet.column_dimensions["A"].width == MAX_WIDTH  # long text: capped
    assert sheet.column_dimensions["C"].width == len("share") + 3  # the header is the widest
