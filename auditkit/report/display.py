"""How the report shows its sections: HTML tables with pounds and statuses formatted, plotly charts that work
offline (plotly.js embedded once, from the installed package, never fetched from the network)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from auditkit.frames import MONEY_COLUMNS
from auditkit.report.sections import STATUS_COLOURS

_PERCENT_COLUMNS = {"value", "target"}


class ReportPage:
    """Renders tables and figures for one report: the first figure carries plotly.js, later ones reuse it."""

    def __init__(self) -> None:
        self._plotly_included = False
        self.figures = 0

    def table(self, frame: pd.DataFrame, *, percent: bool = False, limit: int | None = None) -> str:
        """``frame`` as an HTML table: pounds as £1,234.56, ratios as percent when ``percent``, statuses
        coloured, dates as dates; at most ``limit`` rows (saying how many were left out)."""
        if frame.empty:
            return "<p><em>None.</em></p>"
        shown = frame if limit is None else frame.head(limit)
        numeric = [pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
                   for c in shown.columns]
        head = "".join(f'<th class="{"num" if n else "text"}">{html.escape(str(c))}</th>'
                       for c, n in zip(shown.columns, numeric, strict=True))
        rows = []
        for values in shown.itertuples(index=False, name=None):
            cells = "".join(f'<td class="{"num" if n else "text"}">{_cell(str(c), v, percent)}</td>'
                            for c, v, n in zip(shown.columns, values, numeric, strict=True))
            rows.append(f"<tr>{cells}</tr>")
        body = f'<table class="report-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if limit is not None and len(frame) > limit:
            body += f"<p><em>{len(frame) - limit:,} more rows in the workbook.</em></p>"
        return body

    def figure(self, fig: go.Figure) -> str:
        """``fig`` as HTML; plotly.js is embedded with the first figure of the page."""
        include = not self._plotly_included
        self._plotly_included = True
        self.figures += 1
        return pio.to_html(fig, include_plotlyjs=include, full_html=False, config={"displaylogo": False},
                           div_id=f"report-figure-{self.figures}")


def _cell(column: str, value: object, percent: bool) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if column in MONEY_COLUMNS or column.endswith("_pounds"):
        return f"£{float(value):,.2f}"  # type: ignore[arg-type]
    if percent and column in _PERCENT_COLUMNS and isinstance(value, int | float):
        return f"{float(value) * 100:.1f}%"
    if column == "status" and str(value) in STATUS_COLOURS:
        colour = STATUS_COLOURS[str(value)]
        return f'<span style="color:{colour};font-weight:bold">{html.escape(str(value))}</span>'
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    return html.escape(str(value))


STYLE = """<style>
.report-table { border-collapse: collapse; font-size: 13px; margin: 0.5em 0 1.5em; }
.report-table th { background: #f0f0f0; text-align: left; padding: 4px 8px; border-bottom: 2px solid #999; }
.report-table td { padding: 3px 8px; border-bottom: 1px solid #ddd; }
.report-table .text { text-align: left !important; }
.report-table .num { text-align: right !important; font-variant-numeric: tabular-nums; }
</style>"""
