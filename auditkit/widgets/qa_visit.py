"""The QA visit: one provider's KPIs against their targets with what each means, the employer engagement
picture, and the learner-by-learner checklist (the walk-through of the provider's learners)."""

from __future__ import annotations

import ipywidgets as w
import plotly.graph_objects as go

from auditkit.case import Case
from auditkit.measures.kpis import KPIS
from auditkit.report.display import STYLE, ReportPage
from auditkit.report.sections import kpi_status
from auditkit.views.employers import employer_engagement, engagement_chart
from auditkit.widgets.base import App
from auditkit.widgets.walkthrough import Walkthrough


def kpi_definitions() -> str:
    """What each KPI counts and its target, as an HTML table."""
    import pandas as pd

    rows = [{"kpi": k.label, "counted in the month of": k.month, "numerator": k.numerator,
             "denominator": k.denominator, "target": "" if k.target is None else f"{k.direction} {k.target:.0%}"}
            for k in KPIS]
    return ReportPage().table(pd.DataFrame(rows))


class QaVisit(App):
    """``QaVisit(case, provider=None)``: choose the provider visited; its KPIs, employers and checklist."""

    def __init__(self, case: Case, provider: int | None = None) -> None:
        super().__init__()
        self.case = case
        providers = sorted(int(u) for u in case.context.returns["ukprn"].unique())
        self.provider = w.Dropdown(options=providers, value=provider or (providers[0] if providers else None),
                                   description="Provider")
        self.kpis = w.HTML()
        self.kpis.add_class("qa-kpis")
        self.definitions = w.Accordion(children=[w.HTML(kpi_definitions())])
        self.definitions.set_title(0, "What each KPI means")
        self.employers = w.Box()
        self.checklist = w.Box()
        self.provider.observe(self.guarded(lambda _: self.draw()), names="value")
        self.view = w.VBox([w.HTML(STYLE), self.provider, w.HTML("<h3>KPIs</h3>"), self.kpis, self.definitions,
                            w.HTML("<h3>Employer engagement</h3>"), self.employers,
                            w.HTML("<h3>Checklist, learner by learner</h3>"), self.checklist, self.status, self.log])
        self.guarded(self.draw)()

    def draw(self) -> None:
        ukprn = self.provider.value
        if ukprn is None:
            return
        self.kpis.value = ReportPage().table(kpi_status(self.case, int(ukprn)), percent=True)
        engagement = employer_engagement(self.case, int(ukprn))
        fig = engagement_chart(engagement, title=f"Employer engagement of provider {ukprn}")
        self.employers.children = [go.FigureWidget(fig)]
        self.walkthrough = Walkthrough(self.case, provider=int(ukprn))
        self.checklist.children = [self.walkthrough.view]
        self.say(f"Provider {ukprn}: {len(engagement)} employers, {len(self.walkthrough.order)} learners.")
