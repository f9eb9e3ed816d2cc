"""ILR years, collection periods R01-R14, and the latest return of each provider and year."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from auditkit.readers.ilr import latest_returns, read_ilr
from auditkit.reference import calendar as periods
from tests import ilr_strategies as ilrs

D = dt.date


@pytest.mark.parametrize(("day", "year", "expected"), [
    (D(2023, 8, 1), "2023-24", None),  # August's collection closes in early September: still July's
    (D(2023, 8, 6), "2023-24", None),
    (D(2023, 7, 31), "2023-24", None),  # before the year
    (D(2022, 12, 25), "2023-24", None),
    (D(2023, 8, 7), "2023-24", 1),
    (D(2023, 9, 6), "2023-24", 1),
    (D(2023, 9, 7), "2023-24", 2),
    (D(2024, 1, 1), "2023-24", 5),
    (D(2024, 2, 5), "2023-24", 6),
    (D(2024, 2, 6), "2023-24", 6),
    (D(2024, 2, 7), "2023-24", 7),
    (D(2024, 7, 31), "2023-24", 12),
    (D(2024, 8, 5), "2023-24", 12),
    (D(2024, 8, 7), "2023-24", 13),
    (D(2024, 9, 5), "2023-24", 13),
    (D(2024, 10, 6), "2023-24", 13),
    (D(2024, 10, 7), "2023-24", 14),
    (D(2025, 6, 1), "2023-24", 14),
    (D(2024, 12, 5), "2024-25", 4),
    (D(2024, 12, 7), "2024-25", 5),
    (D(2025, 1, 6), "2024-25", 5),
    (D(2025, 8, 5), "2024-25", 12),
    (D(2024, 8, 5), "2024-25", None),
    (D(2025, 9, 5), "2025-26", 1),
])
def test_period_of_date(day, year, expected):
    assert periods.period_of_date(day, year) == expected
    assert periods.period_label(expected) == (None if expected is None else f"R{expected:02d}")


@pytest.mark.parametrize(("day", "year"), [
    (D(2024, 7, 31), "2023-24"), (D(2024, 8, 1), "2024-25"), (D(2000, 1, 1), "1999-00"), (D(2099, 9, 1), "2099-00"),
])
def test_ilr_year_of(day, year):
    assert periods.ilr_year_of(day) == year
    assert periods.year_start(year) <= day < periods.year_start(year).replace(year=periods.year_start(year).year + 1)


def test_years_from_namespace_code_and_file_name():
    assert periods.year_from_namespace("ESFA/ILR/2024-25") == "2024-25"
    assert periods.year_from_namespace("ESFA/ILR/2024-2025") is None
    assert periods.year_from_namespace("") is None
    assert periods.year_from_code("2425") == "2024-25" and periods.year_from_code(" 2324 ") == "2023-24"
    assert periods.year_from_code("24-25") is None and periods.year_from_code(None) is None
    assert periods.file_name_date("ILR-10000001-2425-20241205-090000-01.xml") == D(2024, 12, 5)
    assert periods.file_name_date("ilr-10000001-2425-20241205-090000-01.XML") == D(2024, 12, 5)
    assert periods.file_name_date("ILR-10000001-2425-20241345-090000-01.xml") is None
    assert periods.file_name_date("ILR-custom.xml") is None


def test_period_comes_from_the_file_name_date_before_the_preparation_date(tmp_path):
    name = ilrs.file_name(prepared=D(2025, 2, 7))  # R07 by the name ...
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")], name=name, prepared=D(2024, 12, 5))  # R04 inside
    returns = read_ilr(path, progress=False).returns
    assert returns.loc[0, "period"] == "R07" and returns.loc[0, "period_number"] == 7
    assert returns.loc[0, "file_preparation_date"] == pd.Timestamp(2024, 12, 5)


def test_file_dated_before_its_year_has_no_period_and_a_warning(tmp_path):
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")], name="ILR-early.xml", year="2025-26",
                           prepared=D(2025, 7, 1))
    data = read_ilr(path, progress=False)
    assert pd.isna(data.returns.loc[0, "period"]) and pd.isna(data.returns.loc[0, "period_number"])
    (problem,) = data.problems.to_dict("records")
    assert problem["severity"] == "warning" and "before ILR year 2025-26" in problem["message"]


# -- latest return of each provider and year ------------------------------------------------------------

A, B = 10000001, 10000002
#: (ukprn, year, file date, serial, preparation date in the header)
SNAPSHOTS = [
    (A, "2023-24", D(2024, 3, 5), 1, None),     # R07
    (A, "2023-24", D(2024, 9, 5), 1, None),     # R13: latest of A 2023-24
    (A, "2023-24", D(2024, 6, 10), 1, None),    # R11
    (A, "2024-25", D(2024, 12, 1), 1, None),    # R04 (November)
    (A, "2024-25", D(2024, 12, 5), 1, None),    # R04 too, prepared later: latest of A 2024-25
    (B, "2023-24", D(2024, 5, 3), 1, None),     # R09: the only one of B 2023-24
    (B, "2024-25", D(2025, 1, 20), 1, None),    # R06
    (B, "2024-25", D(2025, 1, 20), 2, None),    # R06, same day, serial 02: latest of B 2024-25
    (B, "2024-25", D(2024, 10, 2), 9, None),    # R02, high serial but earlier period
]
LATEST = {1, 4, 5, 7}


@pytest.fixture
def snapshots(tmp_path):
    names = []
    for i, (ukprn, year, day, serial, prepared) in enumerate(SNAPSHOTS):
        name = ilrs.file_name(ukprn, year, day, serial)
        learners = [ilrs.minimal_learner(f"S{i}x{n}") for n in range(i % 3 + 1)]
        ilrs.write_file(tmp_path / f"snap{i}", learners, name=name, ukprn=ukprn, year=year, prepared=prepared or day,
                        serial_no=f"{serial:02d}")
        names.append(name.removesuffix(".xml"))
    return tmp_path, names


def test_latest_returns_picks_the_latest_of_each_provider_and_year(snapshots):
    folder, names = snapshots
    data = read_ilr(folder, progress=False)
    assert len(data.returns) == len(SNAPSHOTS)
    latest = latest_returns(data.returns)
    assert sorted(latest["return_id"]) == sorted(names[i] for i in LATEST)
    assert sorted(zip(latest["ukprn"], latest["ilr_year"], strict=True)) == [
        (A, "2023-24"), (A, "2024-25"), (B, "2023-24"), (B, "2024-25")]
    assert list(latest.columns) == list(data.returns.columns)


def test_latest_keeps_only_the_latest_returns_in_every_frame(snapshots):
    folder, names = snapshots
    data = read_ilr(folder, progress=False)
    latest = data.latest()
    keep = {names[i] for i in LATEST}
    assert set(latest.returns["return_id"]) == keep
    for name in ("learners", "deliveries"):
        assert set(latest.frames[name]["return_id"]) == keep
        assert len(latest.frames[name]) == sum(i % 3 + 1 for i in LATEST)
        assert latest.frames[name].index.equals(pd.RangeIndex(len(latest.frames[name])))
    expected_learners = sorted(f"S{i}x{n}" for i in LATEST for n in range(i % 3 + 1))
    assert sorted(latest.learners["learn_ref_number"]) == expected_learners
    assert latest.problems.empty and len(data.learners) > len(latest.learners)


def test_latest_of_nothing_is_nothing(tmp_path):
    data = read_ilr(tmp_path, progress=False)
    assert latest_returns(data.returns).empty
    assert data.latest().learners.empty
