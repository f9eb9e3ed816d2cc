"""Frames are the interface: every frame is a declared `Frame` in auditkit/frames/, typed one way (`conform`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.frames import FRAMES, Frame
from auditkit.frames.fields import DTYPES, Field

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"
KINDS = tuple(DTYPES)


def test_frames_index_has_unique_names_and_every_frame_module_is_in_it():
    assert len(FRAMES) >= 34
    assert all(name == frame.name for name, frame in FRAMES.items())
    import auditkit.frames.contracts
    import auditkit.frames.employers
    import auditkit.frames.evidence
    import auditkit.frames.findings
    import auditkit.frames.funding
    import auditkit.frames.ilr
    import auditkit.frames.measures

    modules = [auditkit.frames.contracts, auditkit.frames.employers, auditkit.frames.evidence,
               auditkit.frames.findings, auditkit.frames.funding, auditkit.frames.ilr, auditkit.frames.measures]
    declared = {v.name for m in modules for v in vars(m).values() if isinstance(v, Frame)}
    declared |= {f.name for f in auditkit.frames.ilr.ENTITY_FRAMES.values()}
    assert declared - set(FRAMES) == {"milestone_summary_by_return"}  # a variant of milestone_summary


@pytest.mark.parametrize("name", list(FRAMES))
def test_every_frame_has_a_schema_and_its_empty_frame_validates(name):
    frame = FRAMES[name]
    assert isinstance(frame.schema, pa.DataFrameSchema) and frame.schema is frame.schema  # cached
    assert frame.schema.name == name and list(frame.schema.columns) == frame.columns
    assert len(set(frame.columns)) == len(frame.columns), "a column declared twice"
    assert frame.description
    empty = frame.empty()
    assert list(empty.columns) == frame.columns and empty.empty
    assert {c: str(t) for c, t in empty.dtypes.items()} == frame.dtypes
    frame.validate(empty)
    assert frame.conform(None).equals(empty) and frame.conform([]).equals(empty)


def _values(kind: str) -> st.SearchStrategy[object]:
    """Values a frame's rows may hold before they are conformed: right, wrong and missing ones."""
    missing = st.sampled_from([None, pd.NA, float("nan"), pd.NaT])
    text = st.text(max_size=5)
    numbers = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False))
    dates = st.one_of(st.dates(), st.datetimes(), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()))
    return st.one_of(missing, text, numbers, dates, st.booleans()) if kind != "bool" else \
        st.one_of(missing, st.booleans())


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_conform_gives_the_declared_dtypes_and_is_idempotent(kind, data):
    frame = Frame("t", "A test frame.", (Field("a", "", kind, "A."), Field("b", "", "str", "B.")))
    values = data.draw(st.lists(_values(kind), min_size=1, max_size=6))
    rows = pd.DataFrame({"a": pd.Series(values, dtype=object), "extra": 1})
    once = frame.conform(rows)
    assert list(once.columns) == ["a", "b"] and len(once) == len(values)
    assert {c: str(t) for c, t in once.dtypes.items()} == frame.dtypes
    assert once["b"].isna().all()  # a missing column is empty
    frame.validate(once)
    pd.testing.assert_frame_equal(frame.conform(once), once)


def test_conform_reads_values_one_way():
    frame = Frame("t", "A test frame.", (
        Field("n", "", "int", "N."), Field("x", "", "decimal", "X."), Field("d", "", "date", "D."),
        Field("t", "", "datetime", "T."), Field("b", "", "bool", "B."), Field("s", "", "str", "S.")))
    out = frame.conform([
        {"n": "12", "x": "1.5", "d": "2024-01-05", "t": "2024-01-05T12:00:49+01:00", "b": True, "s": 3.0},
        {"n": 1.5, "x": 2, "d": dt.date(2262, 4, 25), "t": pd.Timestamp("2024-02-01 10:00"), "b": None,
         "s": pd.Timestamp("2024-03-01")},
        {"n": 10**20, "x": "abc", "d": "not a date", "t": None, "b": False, "s": "kept as written "},
    ])
    assert out["n"].tolist() == [12, pd.NA, pd.NA]  # 1.5 is no whole number, 10**20 does not fit in 64 bits
    assert out["x"].tolist() == [1.5, 2.0, pd.NA]
    assert out["d"].tolist()[0] == pd.Timestamp("2024-01-05") and out["d"].iloc[1:].isna().all()  # beyond ns: NaT
    assert out["t"].tolist()[:2] == [pd.Timestamp("2024-01-05 12:00:49"), pd.Timestamp("2024-02-01 10:00")]
    assert out["b"].tolist() == [True, pd.NA, False]
    assert out["s"].tolist() == ["3", "2024-03-01", "kept as written "]
    assert out.index.equals(pd.RangeIndex(3))


def test_shared_keys_are_declared_once():
    declarations = {}
    for path in (PACKAGE / "frames").glob("*.py"):
        for column in re.findall(r'\bF(?:ield)?\("(ukprn|learn_ref_number|uln|return_id|aim_seq_number|'
                                 r'bootcamp_aim|kpi|ilr_year)", ""', path.read_text(encoding="utf-8")):
            declarations.setdefault(column, []).append(path.name)
    assert declarations == {c: ["keys.py"] for c in declarations}, declarations
    assert set(declarations) >= {"ukprn", "learn_ref_number", "uln", "return_id", "aim_seq_number", "bootcamp_aim"}


#: What a function that gives frames their dtypes looks like: it maps a field's kind or dtype to pandas dtypes.
DTYPE_CODE = re.compile(r"\.dtype for f in|\bf\.kind ==|\bDTYPES\[|dtype=f\.dtype|astype\(f\.dtype|"
                        r"\bdef (typed_frame|typed_findings|_typed|_as_fields|_nanosecond_dates|empty_frame_of)\b|"
                        r"\bframe_schema\(")


def test_no_dtype_function_outside_frames():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "frames" and path.parent.parent == PACKAGE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DTYPE_CODE.search(line):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert found == [], "give frames their dtypes with Frame.conform (auditkit/frames/)"


def test_schema_checks_name_the_funder_terms():
    from auditkit.frames.funding import MILESTONE_FRAME
    from auditkit.reference.wave5 import LEARNER_TYPES, MILESTONES

    def allowed(column: str) -> set:
        (check,) = MILESTONE_FRAME.schema.columns[column].checks
        return set(check.statistics["allowed_values"])

    assert allowed("milestone") == set(MILESTONES) and allowed("learner_type") == set(LEARNER_TYPES)
    assert allowed("share") == {0.4, 0.3} and allowed("contribution") == {0.0, 0.1, 0.3}


def test_personal_columns_come_from_the_frames():
    from auditkit.privacy import PERSONAL_COLUMNS

    personal = {c: k for frame in FRAMES.values() for c, k in frame.personal.items()}
    assert personal == PERSONAL_COLUMNS
    assert {"family_name", "date_of_birth", "ni_number", "postcode", "email"} <= set(personal)
