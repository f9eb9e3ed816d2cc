"""Sample sizes against published tables: AICPA's Audit Sampling guide (Appendix A, attribute sampling) and jfa's
documented planning examples, and the Poisson sizes of the SRA sampling model (as reproduced in jfa's tests)."""

from __future__ import annotations

import math

import pytest

from auditkit.sampling import PlanningError, plan_sample_size, plan_sample_size_pounds, upper_bound

# AICPA Audit Sampling (2017), Appendix A, Table A-1: sample sizes at 5% risk of overreliance (binomial), by
# tolerable deviation rate (columns) and expected deviation rate (rows: 0, 0.25, ... 4, 5 ... 10, 12.5, 15, 17.5%).
EXPECTED = [*(i * 0.25 for i in range(17)), 5, 6, 7, 8, 9, 10, 12.5, 15, 17.5]
TABLE_A1 = {
    2: [149, 236, 313, 386, 590, 1030],
    3: [99, 157, 157, 208, 257, 303, 392, 562, 846, 1466],
    4: [74, 117, 117, 117, 156, 156, 192, 227, 294, 390, 513, 722, 1098, 1936],
    5: [59, 93, 93, 93, 93, 124, 124, 153, 181, 208, 234, 286, 361, 458, 624, 877, 1348],
    6: [49, 78, 78, 78, 78, 78, 103, 103, 127, 127, 150, 173, 195, 238, 280, 341, 421, 1580],
    7: [42, 66, 66, 66, 66, 66, 66, 88, 88, 88, 109, 109, 129, 148, 167, 185, 221, 478, 1832],
    8: [36, 58, 58, 58, 58, 58, 58, 77, 77, 77, 77, 95, 95, 112, 112, 129, 146, 240, 532],
    9: [32, 51, 51, 51, 51, 51, 51, 51, 68, 68, 68, 68, 84, 84, 84, 100, 100, 158, 266, 585],
    10: [29, 46, 46, 46, 46, 46, 46, 46, 46, 61, 61, 61, 61, 61, 76, 76, 89, 116, 179, 298, 649],
    15: [19, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 40, 40, 40, 40, 50, 68, 85, 110, 150, 576],
    20: [14, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 30, 30, 37, 37, 44, 50, 88, 193, 720],
}


@pytest.mark.parametrize("tolerable", sorted(TABLE_A1))
def test_binomial_sizes_match_aicpa_table_a1(tolerable: int) -> None:
    got = [plan_sample_size(tolerable / 100, expected / 100, 0.95, "binomial")
           for expected in EXPECTED[:len(TABLE_A1[tolerable])]]
    assert got == TABLE_A1[tolerable]


def test_poisson_sizes_match_the_sra_model_at_95_percent() -> None:
    materialities = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
    assert [plan_sample_size(m) for m in materialities] == [60, 30, 20, 15, 12, 10, 9, 8, 7, 6]


@pytest.mark.parametrize(("kwargs", "size"), [
    ({"materiality": 0.01}, 300),
    ({"materiality": 0.05}, 60),
    ({"materiality": 0.05, "expected_error": 0.025}, 231),
    ({"materiality": 0.05, "expected_error": 2}, 126),
    ({"materiality": 0.01, "likelihood": "binomial"}, 299),
    ({"materiality": 0.05, "expected_error": 0.025, "likelihood": "binomial"}, 234),
    ({"materiality": 0.05, "expected_error": 2, "likelihood": "binomial"}, 124),
    ({"materiality": 0.01, "likelihood": "hypergeometric", "population_size": 1000}, 258),
    ({"materiality": 0.05, "likelihood": "hypergeometric", "population_size": 1000}, 57),
    ({"materiality": 0.05, "expected_error": 0.025, "likelihood": "hypergeometric", "population_size": 1000}, 197),
    ({"materiality": 0.05, "expected_error": 2, "likelihood": "hypergeometric", "population_size": 1000}, 119),
    ({"materiality": 0.05, "likelihood": "hypergeometric", "population_size": 10000}, 59),
])
def test_sizes_match_jfa_documented_examples(kwargs: dict, size: int) -> None:
    assert plan_sample_size(**kwargs) == size


def test_the_planned_size_is_the_smallest_that_keeps_the_bound_below_materiality() -> None:
    n = plan_sample_size(0.03, 0.01)
    assert upper_bound(n, 0.01 * n) < 0.03 <= upper_bound(n - 1, 0.01 * (n - 1))


def test_from_pounds_is_the_fraction_of_the_claimed_value() -> None:
    assert plan_sample_size_pounds(33_062, 661_240) == plan_sample_size(33_062 / 661_240) == 60
    assert plan_sample_size_pounds(20_000, 400_000, 5_000) == plan_sample_size(0.05, 0.0125)


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"materiality": 0}, "materiality must be a fraction"),
    ({"materiality": 5}, "materiality must be a fraction"),
    ({"materiality": math.nan}, "materiality must be a fraction"),
    ({"materiality": 0.05, "expected_error": 0.06}, "below the materiality"),
    ({"materiality": 0.05, "likelihood": "normal"}, "likelihood must be one of"),
    ({"materiality": 0.05, "likelihood": "hypergeometric"}, "needs population_size"),
    ({"materiality": 0.0001}, "larger than 5000"),
    ({"materiality": 0.05, "confidence": 1.0}, "confidence must be a fraction"),
])
def test_bad_parameters_say_what_is_wrong(kwargs: dict, says: str) -> None:
    with pytest.raises(PlanningError, match=says):
        plan_sample_size(**kwargs)


def test_pounds_beyond_the_population_are_refused() -> None:
    with pytest.raises(PlanningError, match="below the population's value"):
        plan_sample_size_pounds(700_000, 661_240)
