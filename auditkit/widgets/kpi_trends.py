"""KPI trends: a provider's KPI over months or over returns against its target; click a point to list the
learners behind it (:func:`auditkit.views.drill.members_behind`)."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from auditkit.case import Case
from auditkit.measures.kpis import KPI_BY_ID
from auditkit.report.display import STYLE, ReportPage
from auditkit.views.charts import kpi_chart, kpi_trend_chart
from auditkit.views.drill import members_behind
from auditkit.widgets.base import App


class KpiTrends(App):
    """``KpiTrends(case)``: choose a provider, a KPI and months or returns; click a point for its members."""

    def __init__(self, case: Case, ukprn: int | None = None, kpi: str = "m2_rate") -> None:
        super().__init__()
        self.case = case
        providers = sorted(int(u) for u in case.kpis.values["ukprn"].unique())
        self.provider = w.Dropdown(options=providers, value=ukprn or (providers[0] if providers else None),
                                   description="Provider")
        self.kpi = w.Dropdown(options=[(k.label, k.id) for k in KPI_BY_ID.values()], value=kpi, description="KPI")
        self.by = w.ToggleButtons(options=[("over months", "months"), ("over returns", "returns")], value="months")
        self.figure = _figure_widget(go.Figure())
        self.chart_box = w.Box([self.figure])
        self.members = w.HTML("<em>Click a point to list the learners behind it.</em>")
        self.last_members = pd.DataFrame()
        for control in (self.provider, self.kpi, self.by):
            control.observe(self.guarded(lambda _: self.draw()), names="value")
        self.view = w.VBox([w.HBox([self.provider, self.kpi, self.by]), self.chart_box, self.status, self.members,
                            self.log], layout=w.Layout(width="100%"))
        self.view.add_class("auditkit-kpi-trends")
        self.guarded(self.draw)()

    def chart(self) -> go.Figure:
        """The chart of the chosen provider, KPI and axis."""
        if self.provider.value is None:
            return go.Figure()
        if self.by.value == "returns":
            return kpi_trend_chart(self.case.trends, int(self.provider.value), str(self.kpi.value))
        return kpi_chart(self.case.kpis.values, int(self.provider.value), str(self.kpi.value))

    def draw(self) -> None:
        """A new figure widget for the chosen chart (replacing the traces of a shown one does not always reach
        the browser)."""
        fresh = self.chart()
        self.figure = _figure_widget(fresh)
        self.chart_box.children = [self.figure]
        for trace in self.figure.data:
            trace.on_click(self.guarded(self.clicked))
        self.say(f"{len(fresh.data)} lines; click a point for its learners.")

    def clicked(self, trace: object, points: object, _state: object = None) -> None:
        """A click on a point: list its members."""
        indexes = list(getattr(points, "point_inds", []))
        if not indexes:
            return
        point = list(trace.customdata[indexes[0]])  # type: ignore[attr-defined]
        self.show_members(point)

    def show_members(self, point: list[object]) -> pd.DataFrame:
        """Show (and give) the members behind ``point`` (the chart's customdata of one point)."""
        members = members_behind(self.case, point, by=str(self.by.value))
        self.last_members = members
        where = f"{point[3]}"
        title = (f"<b>{html.escape(KPI_BY_ID[str(point[2])].label)}</b>, provider {point[0]}, aim "
                 f"{html.escape(str(point[1]))}, {html.escape(where)}: {len(members)} members "
                 f"({int((members['role'] == 'numerator').sum()) if len(members) else 0} in the numerator)")
        table = ReportPage().table(members, limit=200)
        self.members.value = f'{STYLE}<div class="kpi-members">{title}{table}</div>'
        return members


def _figure_widget(fig: go.Figure) -> go.FigureWidget:
    return go.FigureWidget(fig)
