"""KPI trends across returns (auditkit.measures.trends): one row set per snapshot, values moving as cohorts progress,
what a snapshot sees, the chart, golden output on the samples and ``auditkit kpis --trends``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit import open_case
from auditkit.cli import main
from auditkit.facts.scope import snapshot_view
from auditkit.frames.measures import KPI_TRENDS
from auditkit.measures.kpis import ALL_AIMS, KPI_IDS, NOT_EVALUATED
from auditkit.measures.trends import kpi_trends
from auditkit.views.charts import kpi_trend_chart
from tests.rules.case import write_case
from tests.test_kpis import uln

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
D = dt.date


@pytest.fixture(scope="module")
def case(samples_case):
    return samples_case


@pytest.fixture(scope="module")
def trends(case):
    return case.trends


def series(trends: pd.DataFrame, ukprn: int, kpi: str, column: str = "value", aim: str = ALL_AIMS) -> dict:
    rows = trends[(trends["ukprn"] == ukprn) & (trends["kpi"] == kpi) & (trends["bootcamp_aim"] == aim)]
    return {f"{y} {p}": v for y, p, v in zip(rows["ilr_year"], rows["period"], rows[column], strict=True)}


def test_one_row_set_per_snapshot(case, trends):
    KPI_TRENDS.schema.validate(trends)
    assert list(trends.columns) == KPI_TRENDS.columns
    snapshots = set(zip(trends["ukprn"], trends["ilr_year"], trends["period"], strict=True))
    returns = set(zip(case.data.returns["ukprn"], case.data.returns["ilr_year"], case.data.returns["period"],
                      strict=True))
    assert snapshots == returns and len(snapshots) == 18
    # every snapshot has the provider total of every KPI, once
    totals = trends[trends["bootcamp_aim"] == ALL_AIMS]
    per_snapshot = totals.groupby(["ukprn", "ilr_year", "period"])["kpi"].agg(list)
    assert all(sorted(k) == sorted(KPI_IDS) for k in per_snapshot)


def test_values_move_as_cohorts_progress(trends):
    # Foundry Lane: 22 bootcamps started by R10 (2024-06-05) and no more until the 2024-25 year; 84 by R04, 133 by R08
    starts = series(trends, 10090001, "starts")
    assert starts == {"2023-24 R10": 22, "2023-24 R12": 22, "2023-24 R14": 22, "2024-25 R04": 84,
                      "2024-25 R08": 133}
    # the 2023-24 cohort completes between R10 (none yet: 0%) and R12
    completion = series(trends, 10090001, "completion_rate")
    assert completion["2023-24 R10"] == 0 and completion["2023-24 R12"] > 0.9
    # positive outcomes fall due only once 6-month windows close (2023-24 completers: early 2025): R08 only
    outcome = series(trends, 10090001, "positive_outcome_rate", "status")
    assert [outcome[k] for k in ("2023-24 R10", "2023-24 R14", "2024-25 R04")] == [NOT_EVALUATED] * 3
    assert outcome["2024-25 R08"] != NOT_EVALUATED
    # counts never fall between snapshots of a provider
    for kpi in ("starts", "m1_achieved"):
        for ukprn in (10090001, 10090002, 10090003):
            values = list(series(trends, ukprn, kpi).values())
            assert values == sorted(values), (ukprn, kpi)


def test_late_starts_show_in_the_last_snapshot(trends):
    # PLANTED.md (PAT_LATE_STARTS): 22 Canal Basin learners start 2025-03-18 to 2025-03-31, after R04 (2024-12-05)
    starts = series(trends, 10090002, "starts")
    assert starts["2024-25 R08"] - starts["2024-25 R04"] >= 22


def test_last_snapshot_equals_kpis_of_everything_loaded(case, trends):
    # every sample return of 2024-25 R08 is prepared on 2025-04-04, the last date: that snapshot sees every return,
    # and every evidence document dated by then (none of the samples' documents that matter is dated later)
    latest = case.kpis.latest().set_index(["ukprn", "bootcamp_aim", "kpi"])
    last = trends[(trends["ilr_year"] == "2024-25") & (trends["period"] == "R08")]
    last = last.set_index(["ukprn", "bootcamp_aim", "kpi"])
    assert set(last.index) == set(latest.index)
    joined = last[["numerator", "denominator"]].join(latest[["cumulative_numerator", "cumulative_denominator"]])
    assert (joined["numerator"].fillna(-1) == joined["cumulative_numerator"].fillna(-1)).all()
    assert (joined["denominator"].fillna(-1) == joined["cumulative_denominator"].fillna(-1)).all()


def test_snapshot_view_takes_the_latest_return_of_each_provider_and_year_as_of_the_date(case):
    view = snapshot_view(case.data, "2024-12-05")
    got = set(zip(view.returns["ukprn"], view.returns["ilr_year"], view.returns["period"], strict=True))
    # the 2024-25 R04 returns, with each provider's latest 2023-24 return (R14); Meadowlark's only return is later
    assert got == {(u, "2023-24", "R14") for u in (10090001, 10090002, 10090003)} | {
        (u, "2024-25", "R04") for u in (10090001, 10090002, 10090003, 10090004, 10090005)}


def test_golden_trends(trends, golden):
    golden("kpis/samples_trends.csv", trends, date_format="%Y-%m-%d", float_format="%.6f")


def test_trend_chart(trends):
    fig = kpi_trend_chart(trends, 10090001, "drop_out_rate")
    assert {"all", "Z0009501"} <= {t.name for t in fig.data}
    total = next(t for t in fig.data if t.name == "all")
    assert list(total.x) == ["2023-24 R10", "2023-24 R12", "2023-24 R14", "2024-25 R04", "2024-25 R08"]
    assert any(s.line.dash == "dash" and s.y0 == pytest.approx(20.0) for s in fig.layout.shapes)


# -- a hand-built provider with two snapshots ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_snapshots(tmp_path_factory):
    """R10 (2024-06-05): L1 and L2 on their bootcamps (started 2024-05-01). R14 (2024-10-07): L1 completed
    (2024-07-24) with an M2, L2 withdrew on 2024-06-20 (after M1)."""
    r14 = [{"learner": {"ULN": uln(1)}, "bootcamp": {"completed": True}, "m2": {}},
           {"learner": {"LearnRefNumber": "L2", "ULN": uln(2)},
            "bootcamp": {"CompStatus": 3, "WithdrawReason": 97, "Outcome": 3, "LearnActEndDate": D(2024, 6, 20)}}]
    case = {"learner": {"ULN": uln(1)}, "other_learners": [{"learner": {"LearnRefNumber": "L2", "ULN": uln(2)}}],
            "extra_returns": [{"ukprn": 10000001, "year": "2023-24", "prepared": D(2024, 10, 7), "learners": r14}]}
    return write_case(case, tmp_path_factory.mktemp("two"))


def test_hand_built_snapshots(two_snapshots):
    t = open_case([two_snapshots], progress=False).trends
    # R10: 2 starts, 2 reached M1 (2024-05-15), nobody has left: drop-out 0/2, completion 0/2, no completers yet
    # R14: L2 withdrew after M1: drop-out 1/2 = 50%; L1 completed: completion 1/2 = 50%; M2 1/1 = 100%
    get = {(r.period, r.kpi): (r.numerator, r.denominator) for r in t[t["bootcamp_aim"] == ALL_AIMS].itertuples()}
    assert get[("R10", "drop_out_rate")] == (0, 2) and get[("R14", "drop_out_rate")] == (1, 2)
    assert get[("R10", "completion_rate")] == (0, 2) and get[("R14", "completion_rate")] == (1, 2)
    assert get[("R10", "m2_rate")] == (0, 0) and get[("R14", "m2_rate")] == (1, 1)
    assert t.loc[(t["period"] == "R14") & (t["kpi"] == "drop_out_rate") & (t["bootcamp_aim"] == ALL_AIMS),
                 "status"].iloc[0] == "red"


def test_snapshots_see_only_evidence_dated_by_their_date(two_snapshots, tmp_path):
    # L1's final assessment is dated 2024-10-10, after R14 (2024-10-07): at R14 new skills is 0/1;
    # on everything loaded (kpis of the whole case) it counts: 1/1
    folder = tmp_path / "case"
    shutil.copytree(two_snapshots, folder)
    pd.DataFrame({"ukprn": [10000001] * 2, "learn_ref_number": ["L1", "L1"],
                  "evidence_type": ["initial_assessment", "final_assessment"],
                  "document_date": ["2024-04-28", "2024-10-10"],
                  "received_date": ["2024-04-29", "2024-10-11"]}).to_csv(folder / "manifest.csv", index=False)
    case = open_case([folder], progress=False)
    assert case.evidence is not None and len(case.evidence.evidence) == 2
    t = kpi_trends(case.data.returns, lambda day: case.as_of(day).kpis, kpi_ids=["new_skills"])
    r14 = t[(t["period"] == "R14") & (t["bootcamp_aim"] == ALL_AIMS)].iloc[0]
    assert (r14["numerator"], r14["denominator"]) == (0, 1)
    assert len(case.as_of("2024-10-07").evidence.evidence) == 1  # the snapshot's evidence: what existed by then
    last = case.kpis.latest()
    row = last[(last["kpi"] == "new_skills") & (last["bootcamp_aim"] == ALL_AIMS)].iloc[0]
    assert (row["cumulative_numerator"], row["cumulative_denominator"]) == (1, 1)


def test_unknown_kpi_id(two_snapshots):
    with pytest.raises(ValueError, match="unknown KPI id"):
        kpi_trends(open_case([two_snapshots], progress=False).data.returns, lambda day: pytest.fail("evaluated"),
                   kpi_ids=["speed"])


def test_cli_trends(two_snapshots, tmp_path):
    res = CliRunner().invoke(main, ["kpis", str(two_snapshots), "--trends"])
    assert res.exit_code == 0, res.output
    assert "2023-24 R10" in res.output and "2023-24 R14" in res.output
    out = tmp_path / "trends.csv"
    res = CliRunner().invoke(main, ["kpis", str(two_snapshots), "--trends", "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == KPI_TRENDS.columns and set(frame["period"]) == {"R10", "R14"}
