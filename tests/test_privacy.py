"""Personal data is masked by default in frames, problems and the CLI."""

import datetime as dt

import pandas as pd
import pytest

from auditkit import read_ilr
from auditkit.privacy import mask_frame, mask_value
from auditkit.writers.ilr import ilr_file_name, write_ilr

PERSON = {
    "LearnRefNumber": "P1", "ULN": "1000000018", "FamilyName": "Zebedee", "GivenNames": "Quentin",
    "DateOfBirth": dt.date(1991, 5, 17), "Ethnicity": 31, "Sex": "M", "LLDDHealthProb": 2,
    "NINumber": "QQ123456C", "PostcodePrior": "B15 2TT", "Postcode": "B15 2TT", "AddLine1": "7 Sample Row",
    "TelNo": "01210000000", "Email": "quentin@example.invalid",
}


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("name", "Jordan", "J***"),
    ("dob", dt.date(1990, 4, 1), "1990-**-**"),
    ("ni", "QQ123456C", "QQ***"),
    ("postcode", "B15 2TT", "B15 ***"),
    ("postcode", "B152TT", "B15 ***"),
    ("address", "1 High Street", "***"),
    ("phone", "0121000000", "***"),
    ("email", "a@b.c", "***"),
    ("name", None, None),
])
def test_mask_value(kind, value, expected):
    assert mask_value(kind, value) == expected


def test_masked_frames_hide_every_personal_value(tmp_path):
    write_ilr(tmp_path / ilr_file_name(10000001, "2024-25", dt.datetime(2024, 12, 5, 9)), ukprn=10000001,
              year="2024-25", file_preparation_date=dt.date(2024, 12, 5), learners=[PERSON])
    data = read_ilr(tmp_path)
    assert data.learners.loc[0, "family_name"] == "Zebedee"  # the data itself is intact
    shown = data.masked().learners.astype(str).to_string()
    for secret in ("Zebedee", "Quentin", "1991-05-17", "QQ123456C", "2TT", "Sample Row", "01210000000",
                   "quentin@"):
        assert secret not in shown
    assert data.masked().learners.loc[0, "uln"] == "1000000018"  # identifiers auditors need stay


def test_problem_values_of_personal_fields_are_masked():
    problems = pd.DataFrame({"field": ["DateOfBirth", "Ethnicity"], "value": ["1990-13-45", "x"]})
    masked = mask_frame(problems)
    assert list(masked["value"]) == ["1990-**-**", "x"]
    assert list(mask_frame(problems, reveal=True)["value"]) == ["1990-13-45", "x"]
