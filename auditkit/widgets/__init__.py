"""The apps of the notebooks and the Voila app (layer 8): each owns its widgets and calls tested functions."""

from auditkit.widgets.base import App
from auditkit.widgets.kpi_trends import KpiTrends
from auditkit.widgets.qa_visit import QaVisit
from auditkit.widgets.walkthrough import Walkthrough

__all__ = ["App", "KpiTrends", "QaVisit", "Walkthrough"]
