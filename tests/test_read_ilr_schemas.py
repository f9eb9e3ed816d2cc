"""Every frame of a read ILRData validates against its declared pandera schema, empty frames included."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings

from auditkit.frames.ilr import ENTITIES, ENTITY_FRAMES, ILR_FRAMES, RETURNS
from auditkit.readers.ilr import ILRData, read_ilr
from tests import ilr_strategies as ilrs


def assert_valid(data: ILRData) -> None:
    assert set(data.frames) == {f.name for f in ILR_FRAMES}
    for frame in ILR_FRAMES:
        frame.validate(data.frames[frame.name], lazy=True)  # raises SchemaErrors listing every failure
        assert list(data.frames[frame.name].columns) == frame.columns, frame.name


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(learners=ilrs.learners(max_size=2, full=True), destinations=ilrs.destinations(max_size=2, full=True))
def test_frames_of_full_data_validate(learners, destinations):
    with tempfile.TemporaryDirectory() as tmp:
        data = read_ilr(ilrs.write_file(Path(tmp), learners, destinations=destinations), progress=False)
    filled = {e.frame for e in ENTITIES if len(data.frames[e.frame])}
    assert filled == {e.frame for e in ENTITIES} - {"contact_preferences"}
    assert_valid(data)


def test_empty_frames_of_a_file_without_that_data_validate(tmp_path):
    data = read_ilr(ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")]), progress=False)
    assert len(data.learners) == 1 and len(data.deliveries) == 1 and len(data.returns) == 1
    empty = [e.frame for e in ENTITIES if data.frames[e.frame].empty]
    assert len(empty) == len(ENTITIES) - 2
    assert data.problems.empty and data.source_files.empty
    assert_valid(data)


def test_frames_of_a_file_without_learners_validate(tmp_path):
    data = read_ilr(ilrs.write_file(tmp_path, []), progress=False)
    assert all(data.frames[e.frame].empty for e in ENTITIES)
    assert data.returns.loc[0, "learner_count"] == 0
    assert_valid(data)


def test_frames_of_an_empty_folder_validate(tmp_path):
    data = read_ilr(tmp_path, progress=False)
    assert all(df.empty for df in data.frames.values())
    assert_valid(data)


def test_frames_with_problems_validate(tmp_path):
    """The problems frame (file-level and value-level rows) and frames holding unreadable values."""
    bad = ilrs.minimal_learner("L1", Ethnicity="abc", DateOfBirth="2024-13-45",
                               LearningDelivery=[ilrs.minimal_delivery(1, LearnStartDate=None, AimType="x")])
    ilrs.write_file(tmp_path, [bad, ilrs.minimal_learner("L2")])
    (tmp_path / "ILR-broken.xml").write_text("%PDF-1.7\n", encoding="utf-8")
    data = read_ilr(tmp_path, progress=False, errors="report")
    assert len(data.problems) >= 5
    assert data.problems["file"].str.endswith("ILR-broken.xml").any()
    assert data.learners["learn_ref_number"].tolist() == ["L1", "L2"]
    assert_valid(data)


def test_empty_frames_have_the_dtypes_of_filled_frames(tmp_path):
    data = read_ilr(ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")]), progress=False)
    assert not data.learners.empty and data.prior_attainments.empty
    assert data.learners["return_id"].dtype == pd.StringDtype()
    assert data.prior_attainments["return_id"].dtype == data.learners["return_id"].dtype
    for e in ENTITIES:
        for f in [*e.keys, *e.fields]:
            assert ENTITY_FRAMES[e.frame].empty()[f.column].dtype == pd.api.types.pandas_dtype(f.dtype), (e, f)
    assert [str(t) for t in RETURNS.empty().dtypes] == [str(pd.api.types.pandas_dtype(f.dtype))
                                                       for f in RETURNS.fields]
