"""The indexed evidence view equals the full-scan view it replaced (tests/evidence_scan.py) on every learner of the
shipped samples, with and without evidence, from the case's findings or not; the row index finds what a mask
finds."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditkit.facts.evidence import evidence_bootcamps
from auditkit.facts.index import RowIndex
from auditkit.rules import RuleContext
from auditkit.views.evidence import EvidenceView, case_evidence_view, evidence_view
from tests.evidence_scan import scan_view


def assert_same(got: EvidenceView, want: EvidenceView) -> None:
    assert (got.ukprn, got.learn_ref_number, got.uln, got.learn_aim_ref, got.learner_type) == (
        want.ukprn, want.learn_ref_number, want.uln, want.learn_aim_ref, want.learner_type)
    assert got.learn_start_date == want.learn_start_date
    pd.testing.assert_frame_equal(got.stages, want.stages)
    pd.testing.assert_frame_equal(got.documents, want.documents)
    pd.testing.assert_frame_equal(got.findings, want.findings)


def learners(ctx: RuleContext) -> list[tuple[int, str]]:
    boot = evidence_bootcamps(ctx)
    return sorted({(int(u), str(r)) for u, r in zip(boot["ukprn"], boot["learn_ref_number"], strict=True)})


def test_indexed_view_equals_the_scan_on_every_sample_learner(samples_case):
    ctx = samples_case.context
    everyone = learners(ctx)
    assert len(everyone) > 300
    flagged = 0
    for ukprn, ref in everyone:
        want = scan_view(ctx, ukprn, ref)
        assert_same(evidence_view(ctx, ukprn, ref), want)
        assert_same(case_evidence_view(samples_case, ukprn, ref), want)
        flagged += len(want.findings) > 0
    assert flagged > 10  # the comparison covers learners with evidence findings, not only clean ones


def test_indexed_view_equals_the_scan_given_the_bootcamp_aim(samples_case):
    ctx = samples_case.context
    boot = evidence_bootcamps(ctx).iloc[::9]
    for u, r, aim in zip(boot["ukprn"], boot["learn_ref_number"], boot["learn_aim_ref"], strict=True):
        got = evidence_view(ctx, int(u), str(r), f" {str(aim).lower()} ")  # the aim ref as typed
        assert_same(got, scan_view(ctx, int(u), str(r), str(aim)))
    with pytest.raises(ValueError, match="with bootcamp aim NOPE"):
        evidence_view(ctx, int(boot["ukprn"].iloc[0]), str(boot["learn_ref_number"].iloc[0]), "NOPE")


def test_indexed_view_equals_the_scan_without_evidence(samples_case):
    bare = RuleContext(samples_case.data, samples_case.contracts)
    for ukprn, ref in learners(bare)[::7]:
        assert_same(evidence_view(bare, ukprn, ref), scan_view(bare, ukprn, ref))


def test_unknown_learner_still_raises(samples_case):
    with pytest.raises(ValueError, match="no learner 10090001/NOPE"):
        evidence_view(samples_case.context, 10090001, "NOPE")


keys = st.tuples(st.sampled_from([1, 2, None]), st.sampled_from(["a", "b", None]))


@given(st.lists(keys, max_size=30), keys)
def test_row_index_finds_what_a_mask_finds(rows, key):
    frame = pd.DataFrame(rows, columns=["ukprn", "ref"]).astype({"ukprn": "Int64", "ref": "string"})
    frame["n"] = range(len(frame))
    mask = (frame["ukprn"] == key[0]).fillna(False) & (frame["ref"] == key[1]).fillna(False) if None not in key \
        else pd.Series(False, index=frame.index)
    pd.testing.assert_frame_equal(RowIndex(frame, ["ukprn", "ref"]).take(*key), frame[mask.astype(bool)])
