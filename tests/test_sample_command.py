"""`auditkit sample` and `auditkit evaluate`: a sample recorded in the workpaper store, read back, evaluated from the
verdicts on its learners' stages."""

from __future__ import annotations

import shutil

import pytest

from auditkit import open_case
from auditkit.case.sampling import evaluate_case_sample
from auditkit.workpapers import open_store
from auditkit.workpapers.identity import stage_checks
from auditkit.workpapers.samples import load_sample, record_sample, sample_misstatements
from tests.conftest import SAMPLES
from tests.test_first_runs import run_apart


@pytest.fixture
def folder(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(SAMPLES, case, ignore=shutil.ignore_patterns(".auditkit"))
    return case


def _conclude(case, store, sample, failing: str | None = None) -> None:
    checks = stage_checks(case)
    items = []
    for item in sample.items["item"]:
        ukprn, ref = item.split("/")[:2]
        mine = checks[(checks["ukprn"] == int(ukprn)) & (checks["learn_ref_number"] == ref)]
        items += [(c, "fail" if stage == failing else "pass", "") for c, stage in zip(mine["check_id"], mine["stage"],
                                                                                     strict=True)]
    store.record_many(items)


def test_a_recorded_sample_reads_back_the_same(folder) -> None:
    case = open_case(folder, progress=False)
    sample = case.draw_sample("stratified", 12, seed=5, strata=["ukprn"])
    with open_store(case) as store:
        sample_id = record_sample(store, sample)
        back = load_sample(store, sample_id)
    assert back.id == str(sample_id) and back.seed == 5 and back.method == "stratified"
    assert list(back.items["item"]) == list(sample.items["item"])
    assert back.strata.to_dict("records") == sample.strata.to_dict("records")
    assert back.population_size == sample.population_size


def test_misstatements_come_from_the_failed_stages(folder) -> None:
    case = open_case(folder, progress=False)
    sample = case.draw_sample("random", 4, seed=8)
    with open_store(case) as store:
        store.sync(case)
        assert sample_misstatements(case, store, sample).isna().all(), "nothing concluded yet"
        _conclude(case, store, sample, failing="completion")
        wrong = sample_misstatements(case, store, sample)
    ms = case.milestones[case.milestones["claimed"].astype(bool) & (case.milestones["milestone"] == "M2")]
    for item, pounds in wrong.items():
        ukprn, ref = item.split("/")
        m2 = ms[(ms["ukprn"] == int(ukprn)) & (ms["learn_ref_number"] == ref)]["amount_claimed"].sum()
        assert pounds == pytest.approx(m2)
    assert evaluate_case_sample(sample, wrong).items == 4


def test_the_commands(folder) -> None:
    drawn = run_apart("sample", folder, "--method", "mus", "--materiality", "5%", "--seed", "2024")
    assert drawn.exit_code == 0, drawn.stderr
    assert "Sample 1: mus sample of 60 learners" in drawn.stdout and "interval £13,633.80" in drawn.stdout
    pending = run_apart("evaluate", folder)
    assert pending.exit_code == 2 and "60 of the 60 sampled items have no verdict yet" in pending.stderr
    case = open_case(folder, progress=False)
    with open_store(case) as store:
        store.sync(case)
        _conclude(case, store, load_sample(store, 1))
    done = run_apart("evaluate", folder, "--sample", "1")
    assert done.exit_code == 0, done.stderr
    assert "Most likely overstatement £0.00" in done.stdout and "Below the materiality of £40,901.40" in done.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["--size", "5", "--materiality", "5%"], "give --size N or --materiality M"),
    (["--method", "stratified", "--size", "3", "--strata", "ukprn,milestone"], "strata need at least"),
    (["--materiality", "£900,000"], "must be above 0 and below the population's value"),
    (["--method", "stratified", "--size", "30", "--strata", "postcode"], "unknown strata postcode"),
])
def test_bad_sample_requests_say_why(folder, args: list[str], says: str) -> None:
    result = run_apart("sample", folder, *args)
    assert result.exit_code == 2 and says in (result.stderr + result.stdout)


def test_evaluating_without_a_sample(folder) -> None:
    result = run_apart("evaluate", folder)
    assert result.exit_code == 2 and "no sample is recorded" in result.stderr
