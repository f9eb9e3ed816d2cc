"""Property: learners generated as data, written with ``write_ilr`` and read back, equal what was generated."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from auditkit.frames.fields import DTYPES
from auditkit.frames.ilr import ENTITIES, ENTITY_BY_XML
from auditkit.readers.ilr import read_ilr
from tests import ilr_strategies as ilrs

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.data_too_large])
YEARS = ["2023-24", "2024-25", "2025-26"]
LEARNER_CHILDREN = ["PriorAttain", "LLDDandHealthProblem", "LearnerFAM", "ProviderSpecLearnerMonitoring"]
DELIVERY_CHILDREN = ["LearningDeliveryFAM", "LearningDeliveryWorkPlacement", "AppFinRecord",
                     "ProviderSpecDeliveryMonitoring", "LearningDeliveryHE"]


def _items(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return [value] if isinstance(value, dict) else list(value)


def flatten(learners: list[dict], destinations: list[dict], return_id: str, ukprn: int) -> dict[str, list[dict]]:
    """Rows per entity (XML name): key columns by column name, then the record's own elements by XML name."""
    rows: dict[str, list[dict]] = {e.xml: [] for e in ENTITIES}
    for learner in learners:
        lk = {"return_id": return_id, "ukprn": ukprn, "learn_ref_number": learner["LearnRefNumber"]}
        rows["Learner"].append({**lk, **learner})
        for xml in LEARNER_CHILDREN:
            rows[xml] += [{**lk, **item} for item in _items(learner.get(xml))]
        for seq, status in enumerate(_items(learner.get("LearnerEmploymentStatus")), 1):
            sk = {**lk, "emp_status_seq": seq}
            rows["LearnerEmploymentStatus"].append({**sk, **status})
            monitoring = _items(status.get("EmploymentStatusMonitoring"))
            rows["EmploymentStatusMonitoring"] += [{**sk, **m} for m in monitoring]
        for he in _items(learner.get("LearnerHE")):
            rows["LearnerHE"].append({**lk, **he})
            rows["LearnerHEFinancialSupport"] += [{**lk, **s} for s in _items(he.get("LearnerHEFinancialSupport"))]
        for delivery in _items(learner.get("LearningDelivery")):
            dk = {**lk, "aim_seq_number": delivery["AimSeqNumber"]}
            rows["LearningDelivery"].append({**dk, **delivery})
            for xml in DELIVERY_CHILDREN:
                rows[xml] += [{**dk, **item} for item in _items(delivery.get(xml))]
    for dest in destinations:
        rows["LearnerDestinationandProgression"].append({"return_id": return_id, "ukprn": ukprn, **dest})
        ok = {"return_id": return_id, "ukprn": ukprn, "learn_ref_number": dest["LearnRefNumber"], "uln": dest["ULN"]}
        rows["DPOutcome"] += [{**ok, **o} for o in _items(dest.get("DPOutcome"))]
    return rows


def _column(values: list[Any], kind: str) -> Any:
    if kind == "date":
        return pd.Series([pd.NaT if v is None else pd.Timestamp(v) for v in values], dtype="datetime64[ns]").array
    if kind == "decimal":
        return pd.array([None if v is None else float(v) for v in values], dtype="Float64")
    return pd.array(values, dtype=DTYPES[kind])


def expected_frames(learners: list[dict], destinations: list[dict], return_id: str,
                    ukprn: int) -> dict[str, pd.DataFrame]:
    frames = {}
    for xml, rows in flatten(learners, destinations, return_id, ukprn).items():
        entity = ENTITY_BY_XML[xml]
        data = {k.column: _column([r[k.column] for r in rows], k.kind) for k in entity.keys}
        data.update({f.column: _column([r.get(f.xml) if ilrs.current(xml, f) else None for r in rows], f.kind)
                     for f in entity.fields})  # fields of older years only are not generated
        frames[entity.frame] = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    return frames


def assert_frames_match(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    for frame, want in expected.items():
        assert list(got[frame].columns) == [*want.columns, "line"], frame
        have = got[frame][list(want.columns)].reset_index(drop=True)
        if want.empty:  # dtypes of empty frames: test_read_ilr_schemas.py (empty_frames_have_the_dtypes...)
            assert have.empty, frame
            continue
        assert_frame_equal(have, want, check_exact=True, obj=frame)


def unexpected(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems other than what generated values may rightly cause: values that break a facet of the year's schema
    (kept as written, compared below like any other) and destination records in a year without them."""
    kept = problems["facet"].notna() & ~problems["message"].str.contains("read as empty")
    ldp = problems["message"].str.startswith("<LearnerDestinationandProgression> is not in the")
    return problems[~(kept | ldp)]


def _write_read(folder: Path, learners: list[dict], destinations: list[dict], ukprn: int, year: str,
                namespace: bool):
    path = ilrs.write_file(folder, learners, ukprn=ukprn, year=year, namespace=namespace, destinations=destinations)
    return path, read_ilr(path, progress=False)


@SETTINGS
@given(learners=ilrs.any_learners(), destinations=ilrs.any_destinations(), ukprn=ilrs.ukprns,
       year=st.sampled_from(YEARS), namespace=st.booleans())
def test_generated_learners_read_back_equal(learners, destinations, ukprn, year, namespace):
    with tempfile.TemporaryDirectory() as tmp:
        path, data = _write_read(Path(tmp), learners, destinations, ukprn, year, namespace)
    assert unexpected(data.problems).empty, data.problems.to_dict("records")
    assert_frames_match(data.frames, expected_frames(learners, destinations, path.stem, ukprn))
    (ret,) = data.returns.to_dict("records")
    assert ret["ilr_year"] == year
    assert ret["namespace"] == (f"ESFA/ILR/{year}" if namespace else "")
    assert ret["ukprn"] == ukprn
    assert ret["learner_count"] == len(learners)
    assert ret["delivery_count"] == sum(len(x.get("LearningDelivery", [])) for x in learners)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(learners=ilrs.learners(max_size=2, full=True), destinations=ilrs.destinations(max_size=2, full=True))
def test_full_strategies_generate_every_entity_but_contact_preference(learners, destinations):
    """Guards the property test: a new entity in the declaration must get generated (or be skipped on purpose)."""
    rows = flatten(learners, destinations, "r", 1)
    assert {xml for xml, found in rows.items() if found} == {e.xml for e in ENTITIES} - {"ContactPreference"}
    for xml, found in rows.items():  # every declared field is generated
        for f in ENTITY_BY_XML[xml].fields:
            if not ilrs.current(xml, f):
                continue  # fields of older ILR years only: tests/test_read_ilr_years.py
            assert all(r.get(f.xml) is not None for r in found), (xml, f.xml)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(learners=ilrs.any_learners(), destinations=ilrs.any_destinations())
def test_namespaced_and_namespace_less_files_read_the_same(learners, destinations):
    """ESFA/ILR/2023-24, 2024-25, 2025-26, a prefixed namespace and no namespace give the same frames."""
    variants = {}
    with tempfile.TemporaryDirectory() as tmp:
        for year in YEARS:
            for namespace in (True, False):
                folder = Path(tmp) / f"{year}-{namespace}"
                _, variants[(year, namespace)] = _write_read(folder, learners, destinations, ilrs.UKPRN, year,
                                                             namespace)
            text = ilrs.ilr_text(learners, year=year, destinations=destinations)
            path = Path(tmp) / f"{year}-prefixed" / ilrs.file_name(year=year)
            path.parent.mkdir()
            path.write_text(ilrs.prefixed(text), encoding="utf-8")
            variants[(year, "prefixed")] = read_ilr(path, progress=False)
    base = variants[("2024-25", False)]
    for key, data in variants.items():
        assert unexpected(data.problems).empty, (key, data.problems.to_dict("records"))
        assert data.returns.loc[0, "ilr_year"] == key[0]
        assert (data.returns.loc[0, "namespace"] == "") == (key[1] is False)
        for e in ENTITIES:
            have = data.frames[e.frame].drop(columns="return_id")
            assert_frame_equal(have, base.frames[e.frame].drop(columns="return_id"), obj=f"{key} {e.frame}")
        assert len(data.learners) == len(learners)


@pytest.mark.parametrize("namespace", [True, False])
def test_text_with_xml_special_and_non_ascii_characters_round_trips(tmp_path, namespace):
    name = "O'Brien & <Sons> \"Ltd\" £5 é ]]>"
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("A&<1>", FamilyName=name)], namespace=namespace)
    data = read_ilr(path, progress=False)
    assert data.learners["family_name"].tolist() == [name]
    assert data.learners["learn_ref_number"].tolist() == ["A&<1>"]
    assert data.deliveries["learn_ref_number"].tolist() == ["A&<1>"]
