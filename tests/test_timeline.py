"""A learner's timeline: the dates the funding rests on, the documents, the PDF created after the date it bears."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.views.timeline import eighty_percent_day, timeline_chart, timeline_events


@pytest.mark.parametrize(("start", "plan_end", "day"), [
    ("2024-09-09", "2024-12-13", "2024-11-24"),  # 95 planned days: 76 is exactly 80%
    ("2024-01-01", "2024-01-11", "2024-01-09"),  # 10 days: day 8
    ("2024-01-01", "2024-01-04", "2024-01-04"),  # 3 days: 2.4 rounds up to 3
])
def test_the_80_percent_day_is_the_first_that_completes_enough(start: str, plan_end: str, day: str) -> None:
    assert eighty_percent_day(pd.Timestamp(start), pd.Timestamp(plan_end)) == pd.Timestamp(day)


def test_a_planted_80_percent_ender_ends_on_the_80_percent_day(samples_case) -> None:
    events = timeline_events(samples_case.learner(10090002, "CBC0030")).set_index("event")
    assert events.loc["80% of planned days", "date"] == events.loc["actual end", "date"] == pd.Timestamp("2024-11-24")
    assert events.loc["day 14 (M1 earned)", "date"] == pd.Timestamp("2024-09-23")
    assert events.loc["M2 claimed", "lane"] == "milestones" and "earned" in events.loc["M2 claimed", "detail"]
    assert (events["lane"] == "evidence").sum() == len(samples_case.learner(10090002, "CBC0030").documents)


def test_a_pdf_created_after_the_date_it_bears_is_marked(samples_case) -> None:
    events = timeline_events(samples_case.learner(10090001, "FLD0065"))
    created = events[events["event"].str.startswith("PDF created")]
    assert len(created) >= 1
    assert "after the date it bears" in created["detail"].iloc[0]


def test_the_chart_has_a_trace_per_lane_and_the_outcome_window(samples_case) -> None:
    events = timeline_events(samples_case.learner(10090002, "CBC0030"))
    fig = timeline_chart(events)
    assert [t.name for t in fig.data] == ["bootcamp", "milestones", "evidence", "findings"]
    assert [t.showlegend for t in fig.data] == [True, True, True, False]  # no finding: an empty lane
    assert sum(len(t.x) for t in fig.data) == len(events)
    assert any("outcome window" in (a.text or "") for a in fig.layout.annotations)


def test_a_learner_without_evidence_still_has_the_ilr_dates(samples_case) -> None:
    learner = samples_case.learner(10090002, "CBC0030")
    bare = type(learner)(**{**learner.__dict__, "documents": learner.documents.iloc[0:0]})
    events = timeline_events(bare)
    assert "start" in set(events["event"]) and not (events["lane"] == "evidence").any()


def test_an_unpriced_milestone_says_so() -> None:
    from auditkit.views.timeline import _pounds

    assert _pounds(pd.NA) == "£? (no price)" and _pounds(None) == "£? (no price)"
    assert _pounds(1234.5) == "£1,234.50"
