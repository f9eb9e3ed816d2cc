"""``Case.learner``: one learner's rows of each frame, taken from the per-case index, equal to what a boolean mask
over the whole frame gives, personal values masked unless revealed (and then logged)."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from auditkit.facts.evidence import evidence_bootcamps, evidence_claims, evidence_documents, evidence_requirements
from auditkit.privacy import MASK, mask_frame


def masked(frame: pd.DataFrame, ukprn: int, ref: str, reveal: bool = False) -> pd.DataFrame:
    mine = (frame["ukprn"] == ukprn).fillna(False) & (frame["learn_ref_number"] == ref).fillna(False)
    return mask_frame(frame[mine.astype(bool)].reset_index(drop=True), reveal=reveal)


def test_learner_rows_equal_the_masked_scan_of_each_frame(samples_case):
    ctx = samples_case.context
    frames = {"findings": samples_case.raw_findings, "milestones": samples_case.milestones,
              "records": ctx.data.learners, "aims": ctx.data.deliveries, "bootcamps": evidence_bootcamps(ctx),
              "documents": evidence_documents(ctx), "claims": evidence_claims(ctx),
              "requirements": evidence_requirements(ctx)}
    people = ctx.data.learners.drop_duplicates(["ukprn", "learn_ref_number"])
    seen = dict.fromkeys(frames, 0)
    for ukprn, ref in zip(people["ukprn"], people["learn_ref_number"], strict=True):
        got = samples_case.learner(int(ukprn), str(ref))
        assert (got.ukprn, got.learn_ref_number) == (int(ukprn), str(ref))
        for name, frame in frames.items():
            want = masked(frame, int(ukprn), str(ref))
            pd.testing.assert_frame_equal(getattr(got, name), want, obj=f"{name} of {ukprn}/{ref}")
            seen[name] += len(want)
    assert all(seen.values()), seen  # every frame had rows to compare


def test_learner_is_masked_by_default_and_revealed_only_deliberately(samples_case, caplog):
    people = samples_case.data.learners.dropna(subset=["family_name", "date_of_birth"]).iloc[0]
    ukprn, ref = int(people["ukprn"]), str(people["learn_ref_number"])
    shown = samples_case.learner(ukprn, ref)
    assert shown.records["family_name"].str.contains(MASK, regex=False).all()
    assert str(people["family_name"]) not in shown.records.to_string()
    assert not shown.bootcamps.empty and str(people["date_of_birth"].date()) not in shown.bootcamps.to_string()
    with caplog.at_level(logging.WARNING, logger="auditkit.privacy"):
        revealed = samples_case.learner(ukprn, ref, reveal=True, reason="test")
    assert revealed.records["family_name"].iloc[0] == people["family_name"]
    assert "personal data revealed" in caplog.text and "(test)" in caplog.text


def test_unknown_learner_raises(samples_case):
    with pytest.raises(ValueError, match="no learner 10090001/NOPE in the returns audited"):
        samples_case.learner(10090001, "NOPE")


def test_learner_index_is_built_once_per_case(samples_case):
    index = samples_case.learner_index
    samples_case.learner(10090001, "FLD0002")
    assert samples_case.learner_index is index
