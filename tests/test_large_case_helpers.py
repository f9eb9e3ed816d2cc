"""The shortcuts that make large audits fast (issue 13) give what the slow ways gave: the ULN of a finding's learner
(NA keys, duplicate learners), texts joined per group, functions per distinct value, evidence messages per claim,
finding sources and formula-safe text columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit.facts.columns import join_groups, on_distinct, per_value
from auditkit.facts.context import LEARNER_KEYS, RuleContext, fmt_date, same_code
from auditkit.rules.evidence import _join_claim_messages, _per_claim
from auditkit.rules.runner import _sources
from auditkit.writers.tables import safe_cell, safe_frame

RETURNS, UKPRNS, REFS = ["R1", "R2", None], [10000001, 10000002, None], ["A", "B", None]
keys = st.tuples(st.sampled_from(RETURNS), st.sampled_from(UKPRNS), st.sampled_from(REFS))


def _norm(values: object) -> list[object]:
    return [None if pd.isna(v) else v for v in values]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def base_data(samples_case):
    return samples_case.data


def _context(data, learners: list[tuple[object, object, object, str]]) -> RuleContext:
    frame = pd.DataFrame(learners, columns=[*LEARNER_KEYS, "uln"]).astype(
        {"return_id": "string", "ukprn": "Int64", "learn_ref_number": "string", "uln": "string"})
    frame = frame.reindex(columns=data.learners.columns).astype(
        {c: t for c, t in data.learners.dtypes.items() if c not in [*LEARNER_KEYS, "uln"]})
    return RuleContext(type(data)(frames={**data.frames, "learners": frame}))


@settings(max_examples=60, deadline=None)
@given(learners=st.lists(st.tuples(keys, st.text("0123456789", min_size=1, max_size=3)), max_size=12),
       rows=st.lists(keys, max_size=12), as_object=st.booleans())
def test_learner_ulns_are_those_a_merge_with_every_learner_gives(base_data, learners, rows, as_object):
    """NA keys match NA keys, the first record of a learner recorded twice wins, unknown learners get NA, and the
    rows' own key dtypes (typed, or plain objects as rules build them) do not matter."""
    ctx = _context(base_data, [(*k, uln) for k, uln in learners])
    found = pd.DataFrame(rows, columns=LEARNER_KEYS)
    if not as_object:
        found = found.astype({"return_id": "string", "ukprn": "Int64", "learn_ref_number": "string"})
    people = ctx.all.learners[[*LEARNER_KEYS, "uln"]].drop_duplicates(LEARNER_KEYS)
    if as_object:  # the reference merge itself needs one key type on both sides
        found_keys = found.astype({"ukprn": object}).where(found.notna(), None)
        people = people.astype({"ukprn": object}).where(people.notna(), None)
    else:
        found_keys = found
    merged = found_keys.merge(people, on=LEARNER_KEYS, how="left")
    assert _norm(ctx.learner_ulns(found)) == _norm(merged["uln"])


def test_learner_ulns_of_a_learner_recorded_twice_is_the_first(base_data):
    ctx = _context(base_data, [("R1", 10000001, "A", "1111111111"), ("R1", 10000001, "A", "2222222222"),
                               ("R1", 10000001, None, "3333333333")])
    rows = pd.DataFrame({"return_id": ["R1", "R1", "R2"], "ukprn": [10000001, 10000001, 10000001],
                         "learn_ref_number": ["A", None, "A"]}, index=[7, 8, 9])
    ulns = ctx.learner_ulns(rows)
    assert list(ulns.index) == [7, 8, 9] and _norm(ulns) == ["1111111111", "3333333333", None]


@settings(max_examples=80, deadline=None)
@given(groups=st.lists(st.integers(0, 5), max_size=60), long=st.integers(0, 40))
def test_join_groups_is_a_groupby_join(groups, long):
    groups = groups + [6] * long  # one group beyond the rank-by-rank sizes
    values = np.array([f"v{i}" for i in range(len(groups))], dtype=object)
    expected = pd.Series(values).groupby(np.array(groups, dtype=int)).agg(",".join) if groups else pd.Series()
    got = join_groups(np.array(groups, dtype=int), values, ",", 8)
    assert [got[g] for g in range(8)] == [expected.get(g) for g in range(8)]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["2024-05-01", "2023-12-31", "1999-01-02"])), max_size=30))
def test_per_value_formats_each_value_as_a_map_would(days):
    dates = pd.Series(pd.to_datetime(pd.Series(days, dtype=object))).astype("datetime64[s]")
    assert list(per_value(dates, fmt_date, dtype="string")) == [fmt_date(d) for d in dates]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["2", "02", " 2 ", "3", "x", "", "٢"])), max_size=30),
       st.sampled_from([2, "2", "023", "X"]))
def test_same_code_on_distinct_codes_is_same_code_on_every_row(codes, code):
    from auditkit.facts.context import _same_code

    series = pd.Series(codes, dtype="string")
    assert list(same_code(series, code)) == list(_same_code(series, code))
    assert list(on_distinct(series, lambda s: s.str.len())) == list(series.str.len())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["enrolment form", "ID check", "IAG record"])),
                min_size=1, max_size=20))
def test_claim_messages_joined_per_claim_as_before(items):
    issues = pd.DataFrame({
        "claim": [c for c, _ in items], "ukprn": 10000001, "learn_ref_number": [f"L{c}" for c, _ in items],
        "field": "evidence_type", "value": [t.replace(" ", "_") for _, t in items], "where": "ILR.xml:3",
        "message": [f"Milestone 1 (claim {c}) claimed without {t} in the evidence" for c, t in items]})
    expected = issues.groupby("claim", sort=False).agg(
        ukprn=("ukprn", "first"), learn_ref_number=("learn_ref_number", "first"), field=("field", "first"),
        value=("value", ", ".join), message=("message", _join_claim_messages), where=("where", "first"))
    got = _per_claim(issues)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)


def test_sources_name_the_file_and_line():
    path = pd.Series(["a.xml", "b.xml", None, "c.xml"], dtype="string")
    line = pd.Series([12, pd.NA, 3, 4.0], dtype=object)
    assert _norm(_sources(path, line)) == ["a.xml:12", "b.xml", None, "c.xml:4"]


@given(st.lists(st.one_of(st.none(), st.sampled_from(["=1+1", "-12.50", "-x", "+44", "@a", "\tx", "ok", ""])),
                max_size=20))
def test_text_columns_are_made_formula_safe_cell_by_cell(cells):
    out = safe_frame(pd.DataFrame({"t": pd.Series(cells, dtype="string")}))
    assert _norm(out["t"]) == _norm([None if c is None else safe_cell(c) for c in cells])
