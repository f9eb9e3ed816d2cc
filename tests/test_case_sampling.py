"""Samples of a case's claims: sized from a materiality, reproducible, evaluated from the misstatements found."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.case.sampling import evaluate_case_sample, materiality_fraction
from auditkit.sampling import SamplingError, plan_sample_size


@pytest.mark.parametrize(("given", "fraction"), [
    (0.05, 0.05), ("0.05", 0.05), ("5%", 0.05), ("£50,000", 0.05), (50_000, 0.05), ("50000.00", 0.05),
])
def test_materiality_as_fraction_percentage_or_pounds(given: object, fraction: float) -> None:
    assert materiality_fraction(given, 1_000_000) == pytest.approx(fraction)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["five", "£2,000,000", "0", "150%", "-3"])
def test_bad_materiality_says_what_it_expected(given: str) -> None:
    with pytest.raises(SamplingError, match="materiality"):
        materiality_fraction(given, 1_000_000)


def test_a_sample_planned_from_materiality_records_the_plan(samples_case) -> None:
    sample = samples_case.draw_sample("mus", materiality="5%", seed=9)
    assert sample.parameters["planned_size"] == plan_sample_size(0.05) == 60
    assert sample.parameters["points"] == 60
    assert sample.seed == 9
    again = samples_case.draw_sample("mus", materiality="5%", seed=9)
    assert list(again.items["item"]) == list(sample.items["item"])


def test_without_a_seed_one_is_chosen_and_kept(samples_case) -> None:
    a, b = samples_case.draw_sample("random", 10), samples_case.draw_sample("random", 10)
    assert isinstance(a.seed, int) and a.seed != b.seed
    assert list(samples_case.draw_sample("random", 10, a.seed).items["item"]) == list(a.items["item"])


def test_evaluating_with_auditkits_recomputation_projects_near_the_true_error(samples_case) -> None:
    pop = samples_case.population().set_index("item")
    wrong = pop["book_value"] - pop["amount_due"]
    sample = samples_case.draw_sample("random", 120, 4)
    result = evaluate_case_sample(sample, wrong)
    assert result.lower <= wrong.sum() <= result.upper
    mus = evaluate_case_sample(samples_case.draw_sample("mus", 60, 4), wrong)
    assert mus.upper_error_limit >= mus.most_likely_error > 0


def test_items_without_a_verdict_stop_the_evaluation(samples_case) -> None:
    sample = samples_case.draw_sample("random", 10, 4)
    partial = pd.Series(0.0, index=sample.items["item"][:7])
    with pytest.raises(SamplingError, match="3 of the 10 sampled items have no verdict"):
        evaluate_case_sample(sample, partial)


def test_a_sample_stratified_by_risk_band_uses_the_case_risk_scores(samples_case) -> None:
    sample = samples_case.draw_sample("stratified", 30, seed=1, strata=["risk"])
    bands = set(sample.strata["stratum"])
    assert bands <= {"low", "medium", "high", "unscored"} and len(bands) >= 2
    assert sample.strata["population"].sum() == len(samples_case.population())
