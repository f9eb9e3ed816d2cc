"""KPI trends with drill-down: the learners behind a point are the KPI's members, the app routes errors to its log."""

from __future__ import annotations

import pytest

from auditkit.views.charts import kpi_providers_chart
from auditkit.views.drill import members_behind
from auditkit.widgets import KpiTrends


def test_the_members_behind_a_month_point_make_its_value(samples_case) -> None:
    values = samples_case.kpis.values
    row = values[(values["ukprn"] == 10090002) & (values["kpi"] == "m2_rate") & (values["bootcamp_aim"] == "all")
                 ].sort_values("month").iloc[-1]
    members = members_behind(samples_case, [10090002, "all", "m2_rate", row["month"]])
    learners = members.drop_duplicates(["ukprn", "learn_ref_number", "aim_seq_number"])
    assert (learners["role"] == "numerator").sum() == row["cumulative_numerator"]
    assert len(learners) == row["cumulative_denominator"]


def test_the_members_behind_a_return_point_are_those_of_that_snapshot(samples_case) -> None:
    trends = samples_case.trends
    row = trends[(trends["ukprn"] == 10090002) & (trends["kpi"] == "m2_rate") & (trends["bootcamp_aim"] == "all")
                 ].sort_values("as_of").iloc[0]
    members = members_behind(samples_case, [10090002, "all", "m2_rate", row["return_id"]], by="returns")
    learners = members.drop_duplicates(["ukprn", "learn_ref_number", "aim_seq_number"])
    assert len(learners) == row["denominator"]
    assert (learners["role"] == "numerator").sum() == row["numerator"]
    with pytest.raises(ValueError, match="not among the returns read"):
        members_behind(samples_case, [10090002, "all", "m2_rate", "ILR-nope"], by="returns")


def test_a_click_lists_the_learners_and_switching_redraws(samples_case) -> None:
    app = KpiTrends(samples_case, 10090002, "m2_rate")
    assert app.errors == [] and len(app.figure.data) >= 2
    trace = app.figure.data[0]

    class Points:
        point_inds = [len(trace.x) - 1]

    app.clicked(trace, Points())
    assert len(app.last_members) > 0 and "members" in app.members.value
    app.by.value = "returns"
    assert app.errors == [] and all(len(t.customdata[0]) == 4 for t in app.figure.data)
    assert str(app.figure.data[0].customdata[0][3]).startswith("ILR-")


def test_errors_in_callbacks_are_shown_not_lost(samples_case) -> None:
    app = KpiTrends(samples_case, 10090002)
    app.guarded(app.show_members)([10090002, "all", "no_such_kpi", "2025-01"])
    assert app.errors and "KeyError" in app.errors[-1]
    assert "⚠" in app.status.value


def test_providers_side_by_side(samples_case) -> None:
    fig = kpi_providers_chart(samples_case.kpis.values, "drop_out_rate")
    assert {t.name for t in fig.data} == {str(u) for u in samples_case.kpis.values["ukprn"].unique()}
