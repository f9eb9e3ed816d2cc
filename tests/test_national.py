"""The national run (issue 19): every provider audited as one Dask task on a LocalCluster of 2 workers, the
whole-dataset rules joined on ULN, the results written as Parquet partitioned by ILR year and provider, equal to
the single-process audit of the same folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pandas.testing import assert_frame_equal

from auditkit.anomalies import run_detectors
from auditkit.case import Case, open_case
from auditkit.cli import main
from auditkit.national import NationalError, read_national, run_national
from auditkit.national import run as national_run
from auditkit.national.store import ilr_year_of_month
from auditkit.privacy import mask_frame
from auditkit.samples.national import national_case

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster of 2 worker processes for the tests that give a scheduler's address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def single_process(case: Case) -> dict[str, pd.DataFrame]:
    """What the national run writes, from the single-process audit of the same folder."""
    return {"findings": case.findings, "milestones": mask_frame(case.milestones), "kpis": case.kpis.values,
            "kpi_members": mask_frame(case.kpis.members),
            "anomalies": mask_frame(run_detectors(case.context, national_run.CROSS_PROVIDER_DETECTORS))}


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable", na_position="first").reset_index(drop=True)


def assert_same_results(out: Path, case: Case, skip_providers: tuple[int, ...] = ()) -> None:
    for name, expected in single_process(case).items():
        got = read_national(out, name)
        assert len(expected), f"{name}: the single-process audit gives rows to compare"
        expected = expected[~expected["ukprn"].isin(skip_providers).fillna(False).astype(bool)]
        assert_frame_equal(sorted_rows(got), sorted_rows(expected), check_dtype=True, obj=name)


def test_samples_equal_the_single_process_audit(tmp_path, samples_case):
    out = tmp_path / "national"
    run = run_national(SAMPLES, out, workers=2, progress=False)
    assert run.ok and run.providers["audited"].all()
    assert sorted(run.providers["ukprn"]) == sorted(samples_case.loaded.returns["ukprn"].unique())
    # the samples plant one person at two providers (W5_M1_01, W5_COMP_03) and a restart elsewhere (W5_M1_01)
    assert run.shared_ulns == 2
    assert_same_results(out, samples_case)
    findings = read_national(out, "findings")
    whole = findings[findings["rule_id"].isin(["W5_M1_01", "W5_COMP_03"])]
    assert set(whole["ukprn"]) == {10090001, 10090002}
    # partitioned by ILR year and provider, one provider's rows read alone
    assert (out / "findings" / "ilr_year=2024-25" / "ukprn=10090001").is_dir()
    one = read_national(out, "milestones", filters=[("ukprn", "=", 10090003)])
    assert len(one) and set(one["ukprn"]) == {10090003}
    assert len(run.worker_peaks) == 2 and all(b > 0 for b in run.worker_peaks.values())
    assert not (out / national_run.WORK).exists(), "the work folder (personal data) is removed"


def test_a_generated_national_case_equals_the_single_process_audit(tmp_path, cluster):
    folder = national_case(SAMPLES, tmp_path / "case", learners=900, providers=9, shared_every=10)
    out = tmp_path / "national"
    run = run_national(folder, out, scheduler=cluster.scheduler_address, progress=False)
    assert run.ok and len(run.providers) == 9
    assert run.shared_ulns >= 40, "every tenth learner of a provider is also at the previous one"
    assert_same_results(out, open_case([folder], progress=False))
    assert len(read_national(out, "anomalies")) >= 2 * 40
    # a second run into the same folder replaces the first one's datasets (no partition is read twice)
    before = read_national(out, "findings")
    assert run_national(folder, out, scheduler=cluster.scheduler_address, progress=False).ok
    assert_frame_equal(sorted_rows(read_national(out, "findings")), sorted_rows(before))


def test_a_provider_that_fails_is_reported_and_the_others_kept(tmp_path, cluster, samples_case):
    folder = tmp_path / "case"
    shutil.copytree(SAMPLES, folder)
    bad = folder / "ilr" / "broken" / "ILR-10090077-2425-20250404-120000-01.xml"
    bad.parent.mkdir()
    bad.write_text("<Message><Header>", encoding="utf-8")
    out = tmp_path / "national"
    lines: list[str] = []
    run = run_national(folder, out, scheduler=cluster.scheduler_address, progress=False, say=lines.append)
    assert not run.ok
    failure = run.failures.iloc[0]
    assert (failure["ukprn"], failure["stage"]) == (10090077, "read") and len(run.failures) == 1
    assert bad.name in failure["files"] and bad.name in failure["error"]
    assert any("10090077 failed" in line for line in lines)
    assert pd.read_csv(out / "failures.csv")["ukprn"].tolist() == [10090077]
    # the others are audited as without it (the findings cite the copied folder's files)
    moved = open_case([folder], progress=False, skip_bad_files=True)
    assert set(run.providers.loc[run.providers["audited"], "ukprn"]) == set(samples_case.data.returns["ukprn"])
    assert_same_results(out, moved, skip_providers=(10090077,))


def test_cli_reports_a_failed_provider_with_status_1(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        return national_run.NationalRun(tmp_path, pd.DataFrame({"ukprn": [1], "learners": [0]}),
                                        pd.DataFrame([{"ukprn": 10090077, "stage": "read", "files": "ILR-x.xml",
                                                       "error": "not well-formed"}]))

    monkeypatch.setattr(national_run, "run_national", failing)
    result = CliRunner().invoke(main, ["national", str(SAMPLES), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "FAILED: provider 10090077 (read; ILR-x.xml): not well-formed" in result.output


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(national_run, "SCHEDULER_TIMEOUT", 2)
    with pytest.raises(NationalError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        run_national(SAMPLES, tmp_path / "o", scheduler="tcp://127.0.0.1:9", progress=False)
    assert not (tmp_path / "o").exists(), "nothing is written without a cluster"
    result = CliRunner().invoke(main, ["national", str(SAMPLES), "--out", str(tmp_path / "o"),
                                       "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output


def test_a_folder_without_returns_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["national", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no ILR returns found" in result.output
    assert not (tmp_path / "o").exists()


def test_a_folder_not_written_by_a_national_run_is_left_alone(tmp_path):
    (tmp_path / "o" / "findings").mkdir(parents=True)
    (tmp_path / "o" / "findings" / "mine.txt").write_text("an auditor's notes", encoding="utf-8")
    with pytest.raises(NationalError, match="not the output of a national run"):
        run_national(SAMPLES, tmp_path / "o", progress=False)
    assert (tmp_path / "o" / "findings" / "mine.txt").exists()


def test_scheduler_and_workers_do_not_combine(tmp_path):
    result = CliRunner().invoke(main, ["national", str(SAMPLES), "--out", str(tmp_path / "o"),
                                       "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"])
    assert result.exit_code == 2 and "cannot be combined" in result.output


def test_ilr_year_of_month():
    months = pd.Series(["2024-07", "2024-08", "2025-03", None, "2024"])
    assert ilr_year_of_month(months).tolist() == ["2023-24", "2024-25", "2024-25", None, None]
