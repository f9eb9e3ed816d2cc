"""Values that do not fit (dates pandas cannot hold, integers beyond 64 bits, text over the limit) are problem rows
of their learner, read as empty, and the rest of the file loads. Before issue 11 each of these raised
(OutOfBoundsDatetime, OverflowError) and every learner of the file was lost."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import auditkit.errors
import auditkit.readers.discover
import auditkit.readers.ilr
from auditkit.readers.ilr import read_ilr
from tests import ilr_strategies as ilrs

CASES = [  # element, entity, frame, column, learner or delivery override, value, expected
    ("DateOfBirth", "Learner", "learners", "date_of_birth", "2300-01-01", "a date from 1677-09-22 to 2262-04-11"),
    ("DateOfBirth", "Learner", "learners", "date_of_birth", "1600-01-01", "a date from 1677-09-22 to 2262-04-11"),
    ("DateOfBirth", "Learner", "learners", "date_of_birth", "9999-12-31", "a date from 1677-09-22 to 2262-04-11"),
    ("LearnStartDate", "LearningDelivery", "deliveries", "learn_start_date", "9999-12-31",
     "a date from 1677-09-22 to 2262-04-11"),
    ("Ethnicity", "Learner", "learners", "ethnicity", "9" * 30, "a whole number of at most 18 digits"),
]


@pytest.mark.parametrize(("element", "entity", "frame", "column", "value", "expected"), CASES)
def test_value_that_does_not_fit_is_a_problem_row_of_its_learner(tmp_path, element, entity, frame, column, value,
                                                                  expected):
    bad = ilrs.minimal_learner("B2")
    if entity == "Learner":
        bad[element] = value
    else:
        bad["LearningDelivery"] = [ilrs.minimal_delivery(1, **{element: value})]
    good = [ilrs.minimal_learner(n, DateOfBirth="2000-01-01") for n in ("A1", "C3")]
    path = ilrs.write_file(tmp_path, [good[0], bad, good[1]])
    text = path.read_text()
    data = read_ilr(path, progress=False)
    assert data.learners["learn_ref_number"].tolist() == ["A1", "B2", "C3"]
    assert len(data.deliveries) == 3
    [row] = data.problems[data.problems["value"] == value].to_dict("records")
    assert row["file"] == str(path) or row["file"].endswith(path.name)
    learner = ilrs.line_of(text, "<LearnRefNumber>B2<") - 1  # rows name the line where their record starts
    assert row["line"] == (learner if entity == "Learner" else ilrs.line_of(text, "<LearningDelivery>", learner))
    assert (row["learn_ref_number"], row["entity"], row["field"], row["expected"]) == ("B2", entity, element,
                                                                                      expected)
    got = data.frames[frame].set_index("learn_ref_number")[column]
    assert pd.isna(got["B2"]) and not pd.isna(got["A1"])  # left empty; the neighbours' values are read


HEADER = [  # what to replace in a valid file, the element, the entity, the column of returns
    (r"<FilePreparationDate>[^<]*<", "FilePreparationDate", "Header", "9999-12-31", "file_preparation_date"),
    (r"<FilePreparationDate>[^<]*<", "FilePreparationDate", "Header", "1600-01-01", "file_preparation_date"),
    (r"<DateTime>[^<]*<", "DateTime", "Header", "2300-01-01T09:00:00", "date_time"),
    (r"<UKPRN>10000001</UKPRN>\s*</LearningProvider>", "UKPRN", "LearningProvider", "9" * 25, "ukprn"),
]


@pytest.mark.parametrize(("pattern", "element", "entity", "value", "column"), HEADER)
def test_header_value_that_does_not_fit_is_a_problem_row(tmp_path, pattern, element, entity, value, column):
    text = ilrs.ilr_text([ilrs.minimal_learner("A1"), ilrs.minimal_learner("B2")])
    text, n = re.subn(pattern, lambda m: f"<{element}>{value}<" + ("/UKPRN></LearningProvider>"
                                                                   if element == "UKPRN" else ""), text, count=1)
    assert n == 1
    path = tmp_path / ilrs.file_name()
    path.write_text(text)
    data = read_ilr(path, progress=False)
    assert data.learners["learn_ref_number"].tolist() == ["A1", "B2"]
    [row] = data.problems[data.problems["value"] == value].to_dict("records")
    assert (row["entity"], row["field"], row["severity"]) == (entity, element, "error")
    assert row["expected"] and row["file"].endswith(path.name)
    assert pd.isna(data.returns[column].iloc[0])
    if element == "UKPRN":  # one problem for the value, not a second one saying the file has none
        assert not data.problems["message"].str.contains("has no LearningProvider UKPRN").any()


def test_text_over_the_limit_set_in_the_environment_is_read_as_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITKIT_MAX_TEXT_CHARS", "100")
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("A1", FamilyName="x" * 101),
                                      ilrs.minimal_learner("B2", FamilyName="y" * 100)])
    data = read_ilr(path, progress=False)
    names = data.learners.set_index("learn_ref_number")["family_name"]
    assert pd.isna(names["A1"]) and names["B2"] == "y" * 100
    [row] = data.problems[data.problems["facet"] == "limit"].to_dict("records")
    assert (row["learn_ref_number"], row["field"], row["expected"]) == ("A1", "FamilyName", "at most 100 characters")
    assert row["line"] == ilrs.line_of(path.read_text(), "<FamilyName>x")
    assert "AUDITKIT_MAX_TEXT_CHARS" in row["message"] and "x" * 101 not in row["message"]


def test_ilr_file_error_lives_in_auditkit_errors_and_discover_imports_it_at_the_top():
    assert auditkit.readers.ilr.ILRFileError is auditkit.errors.ILRFileError
    assert issubclass(auditkit.errors.ILRFileError, auditkit.errors.InputError)
    source = auditkit.readers.discover.__file__
    with open(source, encoding="utf-8") as f:
        assert "from auditkit.readers.ilr import" not in f.read()
