"""Drawing samples: reproducible from the seed, independent of the population's order, extended without losing
items; stratified allocation that never takes a place away; monetary units selected in proportion to pounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit.frames.sampling import POPULATION, SAMPLE_ITEMS
from auditkit.sampling import SamplingError, allocate, draw_sample, extend_sample, population


@pytest.fixture(scope="module")
def pop(samples_case) -> pd.DataFrame:
    return population(samples_case.milestones, samples_case.raw_findings, "learner")


def test_the_population_is_one_row_per_learner_with_a_claim(samples_case, pop: pd.DataFrame) -> None:
    POPULATION.validate(pop)
    ms = samples_case.milestones
    claimed = ms[ms["claimed"].astype(bool)]
    assert len(pop) == len(claimed.drop_duplicates(["ukprn", "learn_ref_number"]))
    assert pop["book_value"].sum() == pytest.approx(claimed["amount_claimed"].fillna(0).sum())
    assert pop["item"].is_unique


def test_aims_are_keyed_without_the_aim_sequence_number(samples_case) -> None:
    aims = population(samples_case.milestones, unit="aim")
    assert aims["item"].str.count("/").eq(3).all()
    assert aims["item"].str.match(r"^\d+/[^/]+/[^/]+/\d{4}-\d{2}-\d{2}$").all()


@pytest.mark.parametrize(("method", "kwargs"), [
    ("random", {}), ("stratified", {"strata": ["ukprn", "milestone"]}),
    ("stratified", {"strata": ["severity"], "allocation": "neyman"}), ("mus", {}), ("mus", {"selection": "cell"}),
])
def test_the_same_seed_gives_the_same_sample_whatever_the_order(pop: pd.DataFrame, method: str, kwargs: dict) -> None:
    a = draw_sample(pop, method, 40, 11, **kwargs)  # 40: the 16 strata of provider x milestone need 2 each
    b = draw_sample(pop.sample(frac=1, random_state=5), method, 40, 11, **kwargs)
    c = draw_sample(pop, method, 40, 12, **kwargs)
    SAMPLE_ITEMS.validate(a.items)
    assert list(a.items["item"]) == list(b.items["item"])
    assert set(a.items["item"]) != set(c.items["item"])


@pytest.mark.parametrize(("method", "kwargs"), [
    ("random", {}), ("stratified", {"strata": ["ukprn", "learner_type"]}),
    ("stratified", {"strata": ["milestone"], "allocation": "neyman"}), ("mus", {}), ("mus", {"selection": "cell"}),
])
def test_extending_keeps_every_item_already_drawn(pop: pd.DataFrame, method: str, kwargs: dict) -> None:
    small = draw_sample(pop, method, 35, 3, **kwargs)
    grown = extend_sample(small, pop, 60)
    again = extend_sample(grown, pop, 130)
    assert set(small.items["item"]) <= set(grown.items["item"]) <= set(again.items["item"])
    assert grown.size > small.size and again.size > grown.size
    if method != "mus":
        assert grown.size == 60
    if method == "random":
        assert list(grown.items["item"][:35]) == list(small.items["item"])


def test_extending_a_sample_of_another_population_is_refused(pop: pd.DataFrame) -> None:
    small = draw_sample(pop, "random", 20, 3)
    with pytest.raises(SamplingError, match="draw a new sample"):
        extend_sample(small, pop[~pop["item"].isin(small.items["item"].head(2))], 40)
    with pytest.raises(SamplingError, match="already has 20"):
        extend_sample(small, pop, 20)


def test_proportional_allocation_follows_the_strata_sizes() -> None:
    frame = pd.DataFrame({"stratum": ["a"] * 600 + ["b"] * 300 + ["c"] * 100, "book_value": 1.0})
    assert allocate(frame, 100).to_dict() == {"a": 60, "b": 30, "c": 10}


def test_neyman_allocation_favours_the_spread_strata() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"stratum": ["flat"] * 500 + ["spread"] * 500,
                          "book_value": np.r_[np.full(500, 1_000.0) + rng.normal(0, 10, 500),
                                              rng.uniform(0, 10_000, 500)]})
    places = allocate(frame, 100, "neyman")
    assert places["spread"] > 90 and places["flat"] >= 2


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 60), min_size=1, max_size=6), n=st.integers(0, 200),
       neyman=st.booleans(), minimum=st.integers(0, 3))
def test_allocation_never_takes_a_place_away_and_never_exceeds_a_stratum(sizes, n, neyman, minimum) -> None:
    frame = pd.DataFrame({"stratum": [f"s{i}" for i, k in enumerate(sizes) for _ in range(k)],
                          "book_value": [float(j % 7) * (i + 1) for i, k in enumerate(sizes) for j in range(k)]})
    need = sum(min(k, minimum) for k in sizes)
    n = min(max(n, need), len(frame) - 1) if len(frame) > need else need
    allocation = "neyman" if neyman else "proportional"
    now = allocate(frame, n, allocation, minimum)
    more = allocate(frame, n + 1, allocation, minimum)
    assert (more >= now).all()
    assert now.sum() == min(n, len(frame))
    assert (now <= frame.groupby("stratum").size()).all()


def test_too_many_strata_for_the_size_is_said_plainly(pop: pd.DataFrame) -> None:
    with pytest.raises(SamplingError, match="strata need at least"):
        draw_sample(pop, "stratified", 3, 0, strata=["ukprn", "milestone"])
    with pytest.raises(SamplingError, match="unknown strata"):
        draw_sample(pop, "stratified", 30, 0, strata=["postcode"])
    with pytest.raises(SamplingError, match="needs risk scores"):
        draw_sample(pop, "stratified", 30, 0, strata=["risk"])


def test_mus_takes_every_unit_of_at_least_the_interval_and_one_point_per_interval() -> None:
    frame = pd.DataFrame({"item": [f"u{i:03d}" for i in range(200)], "unit": "aim", "ukprn": 1,
                          "learn_ref_number": "x", "book_value": [25_000.0] + [1_000.0] * 199})
    sample = draw_sample(frame, "mus", 20, seed=4)
    interval = float(sample.parameters["interval"])
    assert interval == pytest.approx(224_000 / 20)
    big = sample.items[sample.items["item"] == "u000"]
    assert big["selected_by"].iloc[0] == "individually-significant" and big["hits"].iloc[0] >= 2
    assert sample.items["hits"].sum() == 20


def test_mus_selects_units_in_proportion_to_their_pounds() -> None:
    frame = pd.DataFrame({"item": [f"u{i:02d}" for i in range(40)], "unit": "aim", "ukprn": 1,
                          "learn_ref_number": "x", "book_value": [4_000.0] * 10 + [1_000.0] * 30})
    picked = pd.Series(0, index=frame["item"])
    for seed in range(400):
        for selection in ("fixed", "cell"):
            items = draw_sample(frame, "mus", 7, seed, selection=selection).items["item"]
            picked[items] += 1
    big, small = picked.iloc[:10].mean(), picked.iloc[10:].mean()
    # each point is a pound drawn with equal chance: a £4,000 unit is about 4x as likely (a little less: it can
    # only be taken once however many points fall on it)
    assert 3.0 < big / small < 4.2, big / small
