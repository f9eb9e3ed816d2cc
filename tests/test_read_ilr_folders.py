"""Folders and zips: which files are read, and the returns frame (one row per file)."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from auditkit.readers.discover import InputError, find_ilr_files
from auditkit.readers.ilr import read_ilr
from tests import ilr_strategies as ilrs

# name (relative to the case folder; "zip::member" for zip members), ukprn, year, prepared, serial, learners, period
FILES = [
    ("ILR-10000001-2425-20241205-090000-01.xml", 10000001, "2024-25", dt.date(2024, 12, 5), "01", 2, "R04"),
    ("sub/ILR-10000002-2425-20241105-100000-02.xml", 10000002, "2024-25", dt.date(2024, 11, 5), "02", 3, "R03"),
    ("sub/deeper/deepest/ilr-10000003-2324-20240805-090000-01.xml", 10000003, "2023-24", dt.date(2024, 8, 5), "01",
     1, "R12"),
    ("sub/ILR-custom.xml", 10000006, "2024-25", dt.date(2025, 1, 10), "07", 1, "R06"),  # period from the header
    ("sub/archive/returns.zip::ILR-10000004-2425-20250207-090000-01.xml", 10000004, "2024-25", dt.date(2025, 2, 7),
     "01", 2, "R07"),
    ("sub/archive/returns.zip::nested/ILR-10000005-2526-20250905-090000-03.xml", 10000005, "2025-26",
     dt.date(2025, 9, 5), "03", 0, "R01"),
]


def _content(ukprn: int, year: str, prepared: dt.date, serial: str, n: int, namespace: bool = True) -> bytes:
    learners = [ilrs.minimal_learner(f"{ukprn}x{i}") for i in range(n)]
    return ilrs.ilr_text(learners, ukprn=ukprn, year=year, prepared=prepared, serial_no=serial,
                         namespace=namespace).encode("utf-8")


@pytest.fixture
def case(tmp_path):
    """A case folder: ILR files at several depths and in a zip, plus files that are not ILR returns."""
    root = tmp_path / "case"
    expected = {}
    members: dict[str, dict[str, bytes]] = {}
    for i, (name, ukprn, year, prepared, serial, n, period) in enumerate(FILES):
        content = _content(ukprn, year, prepared, serial, n, namespace=i % 2 == 0)
        if "::" in name:
            zip_name, member = name.split("::")
            members.setdefault(zip_name, {})[member] = content
            path = f"{root / zip_name}::{member}"
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
            path = str(root / name)
        expected[path] = (content, ukprn, year, prepared, serial, n, period)
    ignored = _content(10000099, "2024-25", dt.date(2024, 12, 5), "01", 5)
    (root / "notes.xml").write_bytes(ignored)  # a valid ILR, but not named ILR-*.xml
    (root / "sub" / "ILR-readme.txt").write_text("not xml", encoding="utf-8")
    (root / "sub" / "ILR-folder.xml").mkdir()  # a folder that looks like an ILR file
    for zip_name, files in members.items():
        (root / zip_name).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(root / zip_name, "w") as zf:
            for member, content in files.items():
                zf.writestr(member, content)
            zf.writestr("notes.xml", ignored)
            zf.writestr("readme.txt", "hello")
            zf.writestr("ILR-dir/", "")
    return root, expected


def test_folder_reads_exactly_the_ilr_files(case):
    root, expected = case
    data = read_ilr(root, progress=False)
    assert sorted(data.returns["path"]) == sorted(expected)
    assert data.problems.empty, data.problems.to_dict("records")
    assert 10000099 not in set(data.learners["ukprn"])  # notes.xml, loose and zipped, is ignored
    assert len(data.learners) == sum(v[5] for v in expected.values())
    sources = find_ilr_files([root])
    assert sorted(s.name for s in sources) == sorted(expected)


def test_returns_frame_has_one_row_per_file(case):
    root, expected = case
    returns = read_ilr(root, progress=False).returns.set_index("path")
    assert returns.index.is_unique and len(returns) == len(expected)
    for path, (content, ukprn, year, prepared, serial, n, period) in expected.items():
        row = returns.loc[path]
        assert row["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert row["file_size"] == len(content)
        assert row["return_id"] == Path(path.split("::")[-1]).stem
        assert row["ukprn"] == ukprn and row["header_ukprn"] == ukprn
        assert row["ilr_year"] == year
        assert row["year_code"] == year[2:4] + year[5:7]
        assert row["file_preparation_date"] == pd.Timestamp(prepared)
        assert row["date_time"] == pd.Timestamp(prepared) + pd.Timedelta(hours=9)
        assert row["serial_no"] == serial
        assert row["period"] == period and row["period_number"] == int(period[1:])
        assert row["learner_count"] == n and row["delivery_count"] == n
        assert row["problem_count"] == 0
        assert row["collection"] == "ILR"


def test_zip_members_are_shown_as_zip_colon_colon_member(case):
    root, _ = case
    data = read_ilr(root, progress=False)
    zipped = data.returns[data.returns["path"].str.contains("::", regex=False)]
    zip_path = root / "sub" / "archive" / "returns.zip"
    assert sorted(zipped["path"]) == [f"{zip_path}::ILR-10000004-2425-20250207-090000-01.xml",
                                      f"{zip_path}::nested/ILR-10000005-2526-20250905-090000-03.xml"]
    learners = data.learners.merge(data.returns[["return_id", "path"]], on="return_id")
    assert set(learners.loc[learners["ukprn"] == 10000004, "path"]) == {zipped["path"].min()}


def test_learners_point_to_their_return(case):
    root, expected = case
    data = read_ilr(root, progress=False)
    by_return = data.learners.groupby("return_id")["ukprn"].agg(["first", "size"])
    returns = data.returns.set_index("return_id")
    for rid, row in by_return.iterrows():
        assert returns.loc[rid, "ukprn"] == row["first"]
        assert returns.loc[rid, "learner_count"] == row["size"]


def test_explicit_zip_and_explicit_file_of_any_name(case, tmp_path):
    root, expected = case
    zip_path = root / "sub" / "archive" / "returns.zip"
    data = read_ilr(zip_path, progress=False)
    assert sorted(data.returns["path"]) == sorted(p for p in expected if p.startswith(f"{zip_path}::"))
    notes = read_ilr(root / "notes.xml", progress=False)  # named explicitly: read whatever it is called
    assert notes.returns["ukprn"].tolist() == [10000099] and len(notes.learners) == 5
    both = read_ilr([root / "notes.xml", root / FILES[0][0]], progress=False)  # an iterable of paths
    assert len(both.returns) == 2
    other = tmp_path / "other.zip"  # a zip without ILR-named members: its XML files are taken
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("return.xml", (root / FILES[0][0]).read_bytes())
        zf.writestr("readme.txt", "hello")
    assert read_ilr(other, progress=False).returns["path"].tolist() == [f"{other}::return.xml"]


def test_bad_zip_raises_input_error_naming_it(tmp_path):
    bad = tmp_path / "returns.zip"
    bad.write_bytes(b"PK not really a zip")
    with pytest.raises(InputError, match="not a readable zip") as info:
        read_ilr(tmp_path, progress=False)
    assert str(bad) in str(info.value)


def test_header_date_time_with_or_without_a_time_zone(tmp_path):
    """xs:dateTime may carry an offset: the clock time is kept as written (not converted to UTC), also when files
    of one folder differ."""
    text = ilrs.ilr_text([ilrs.minimal_learner("L1")])
    written = "<DateTime>2024-12-05T09:00:00</DateTime>"
    assert written in text
    cases = {"2024-12-05T09:00:00Z": "2024-12-05 09:00", "2024-12-05T09:00:00+01:00": "2024-12-05 09:00",
             "2024-12-05T09:00:00.500": "2024-12-05 09:00:00.5", "2024-12-05T09:00:00": "2024-12-05 09:00"}
    for i, value in enumerate(cases):
        body = text.replace(written, f"<DateTime>{value}</DateTime>").replace("L1", f"L{i}")
        (tmp_path / f"ILR-{i}.xml").write_text(body, encoding="utf-8")
    data = read_ilr(tmp_path, progress=False)
    assert data.problems.empty
    assert data.returns["date_time"].tolist() == [pd.Timestamp(v) for v in cases.values()]
    assert str(data.returns["date_time"].dtype) == "datetime64[ns]"
