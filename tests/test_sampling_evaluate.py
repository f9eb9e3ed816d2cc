"""Evaluating samples: Stringer and Poisson bounds worked by hand, and interval estimators whose 95% intervals
cover a simulated population's known total error about 95% of the time over 1,000 draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.sampling import draw_sample, evaluate_mus, evaluate_records, upper_limit_factor
from auditkit.sampling.evaluate import MIN_ERRORS

# Poisson upper limit factors at 95% as audit guides print them (AICPA Audit Sampling, Table C-3).
PUBLISHED_95 = [3.00, 4.75, 6.30, 7.76, 9.16, 10.52]


def test_upper_limit_factors_are_the_published_ones() -> None:
    assert [round(upper_limit_factor(k), 2) for k in range(6)] == pytest.approx(PUBLISHED_95, abs=0.011)


def test_stringer_bound_worked_by_hand() -> None:
    # interval £10,000; three items: £1,000 claimed with £500 wrong (taint 0.5), £5,000 with £1,000 (0.2), one right.
    # basic precision 10,000 x 2.9957 = 29,957; + 10,000 x (4.7439 - 2.9957) x 0.5 = 8,741;
    # + 10,000 x (6.2958 - 4.7439) x 0.2 = 3,104; upper error limit 41,802; most likely error 10,000 x 0.7 = 7,000.
    result = evaluate_mus([1_000, 5_000, 2_000], [500, 1_000, 0], 10_000)
    assert result.basic_precision == pytest.approx(29_957, abs=1)
    assert result.upper_error_limit == pytest.approx(29_957 + 8_741 + 3_104, abs=2)
    assert result.most_likely_error == pytest.approx(7_000)
    # the Poisson bound on the summed taints: 10,000 x UPL(0.7)
    assert result.upper_error_limit_poisson == pytest.approx(10_000 * upper_limit_factor(0.7))
    assert list(result.taints["rank"]) == [1, 2, pd.NA] or result.taints["rank"].isna().iloc[2]


def test_taints_are_ranked_largest_first_whatever_the_order() -> None:
    a = evaluate_mus([5_000, 1_000], [1_000, 500], 10_000)
    b = evaluate_mus([1_000, 5_000], [500, 1_000], 10_000)
    assert a.upper_error_limit == pytest.approx(b.upper_error_limit)


def test_individually_significant_items_count_in_full_and_are_not_projected() -> None:
    clean = evaluate_mus([2_000, 3_000], [0, 0], 10_000)
    with_big = evaluate_mus([2_000, 3_000, 15_000], [0, 0, 2_000], 10_000)
    assert with_big.most_likely_error == pytest.approx(2_000)
    assert with_big.upper_error_limit == pytest.approx(clean.upper_error_limit + 2_000)
    assert with_big.individually_significant_error == 2_000


def test_no_errors_leave_only_basic_precision_and_understatements_do_not_net_off() -> None:
    result = evaluate_mus([1_000, 2_000], [0, -300], 5_000, materiality=20_000)
    assert result.most_likely_error == 0
    assert result.upper_error_limit == pytest.approx(5_000 * 2.9957, abs=1)
    assert result.understatement == 300
    assert "Below the materiality" in result.conclusion and "Understatements" in result.conclusion


def test_a_bound_above_materiality_says_the_sample_cannot_conclude() -> None:
    result = evaluate_mus([1_000] * 3, [1_000, 1_000, 0], 10_000, materiality=30_000)
    assert "cannot conclude" in result.conclusion


def test_taints_are_capped_at_one() -> None:
    result = evaluate_mus([100], [250], 1_000)
    assert result.taints["taint"].iloc[0] == 1.0


def _population(rng: np.random.Generator, size: int = 2_000, error_rate: float = 0.25) -> tuple[pd.DataFrame, float]:
    book = rng.uniform(500, 3_500, size).round(2)
    wrong = np.where(rng.random(size) < error_rate, (book * rng.uniform(0.2, 1.0, size)).round(2), 0.0)
    pop = pd.DataFrame({
        "item": [f"P/{i:05d}" for i in range(size)], "unit": "learner", "ukprn": 1, "learn_ref_number": "x",
        "book_value": book, "misstatement": wrong,
        "milestone": rng.choice(["M1", "M2", "M3"], size, p=[0.5, 0.3, 0.2]),
    })
    return pop, float(wrong.sum())


@pytest.mark.parametrize("estimator", ["difference", "ratio", "mean-per-unit"])
def test_intervals_cover_the_known_total_error_about_95_percent_of_the_time(estimator: str) -> None:
    rng = np.random.default_rng(2026)
    pop, truth = _population(rng)
    strata = pd.DataFrame({"stratum": ["all"], "population": [len(pop)], "value": [pop["book_value"].sum()]})
    covered, runs = 0, 1_000
    for _ in range(runs):  # simple random samples drawn by numpy: this checks the estimator, not the drawing
        items = pop.iloc[rng.choice(len(pop), 150, replace=False)].assign(stratum="all")
        result = evaluate_records(items, strata, estimator)
        covered += result.lower <= truth <= result.upper
    assert 0.93 <= covered / runs <= 0.97, covered / runs


def test_stratified_samples_drawn_by_auditkit_cover_the_truth_about_95_percent_of_the_time() -> None:
    pop, truth = _population(np.random.default_rng(7), size=1_000)
    wrong = pop.set_index("item")["misstatement"]
    covered, runs = 0, 1_000
    for seed in range(runs):
        sample = draw_sample(pop, "stratified", 150, seed, strata=["milestone"], allocation="neyman")
        items = sample.items.assign(misstatement=sample.items["item"].map(wrong).to_numpy())
        result = evaluate_records(items, sample.strata, "difference")
        covered += result.lower <= truth <= result.upper
    assert 0.93 <= covered / runs <= 0.97, covered / runs


def test_projection_of_a_census_is_the_total_with_no_width() -> None:
    pop, truth = _population(np.random.default_rng(1), size=50)
    sample = draw_sample(pop, "random", 50, 0)
    items = sample.items.assign(misstatement=sample.items["item"].map(pop.set_index("item")["misstatement"]).to_numpy())
    result = evaluate_records(items, sample.strata)
    assert result.projected_error == pytest.approx(truth)
    assert result.upper - result.lower == pytest.approx(0)


def test_too_few_errors_are_said_plainly_with_the_attribute_bound() -> None:
    pop, _ = _population(np.random.default_rng(3), size=500, error_rate=0.0)
    sample = draw_sample(pop, "random", 60, 0)
    result = evaluate_records(sample.items.assign(misstatement=0.0), sample.strata)
    assert not result.conclusive
    assert "No misstated items" in result.conclusion
    assert result.attribute_upper_rate == pytest.approx(3.0 / 60, abs=0.001)
    few = sample.items.assign(misstatement=[100.0] * (MIN_ERRORS - 1) + [0.0] * (60 - MIN_ERRORS + 1))
    assert "too small to conclude" in evaluate_records(few, sample.strata).conclusion


def test_items_without_a_verdict_are_refused() -> None:
    pop, _ = _population(np.random.default_rng(4), size=100)
    sample = draw_sample(pop, "random", 10, 0)
    with pytest.raises(ValueError, match="no misstatement yet"):
        evaluate_records(sample.items.assign(misstatement=np.nan), sample.strata)
