"""Reference data shipped in the package, postcode districts and the WMCA area."""

from pathlib import Path

import pandas as pd
import pytest

from auditkit.readers.discover import InputError
from auditkit.reference import tables as ref

SPEC_DATA = Path("/work/shared/spec/data")
DATA = Path(ref.__file__).parents[1] / "data"


def test_destination_codes_are_typed():
    codes = ref.destination_codes()
    assert codes["wmca_code"].is_unique
    assert str(codes["esfa_out_code"].dtype) == "Int64" and str(codes["wmca_measure_code"].dtype) == "Int64"
    assert str(codes["wmca_code"].dtype) == "string"
    row = codes.set_index("wmca_code").loc["WMCA1.1"]
    assert (row["esfa_out_type"], row["esfa_out_code"]) == ("EMP", 1)
    assert codes.set_index("wmca_code").loc["WMCA16.1"][["wmca_measure_code", "wmca_measure"]].isna().all()


def test_approved_bootcamps_are_typed():
    aims = ref.approved_bootcamps()
    assert list(aims.columns) == ["provider", "lars_code", "bootcamp", "duration_weeks"]
    assert str(aims["duration_weeks"].dtype) == "Int64"
    assert aims["lars_code"].str.fullmatch(r"Z\d{7}").all()


def test_tables_are_copies():
    codes = ref.destination_codes()
    codes.loc[0, "wmca_code"] = "changed"
    districts = ref.postcode_districts()
    districts.loc[0, "status"] = "outside"
    assert ref.destination_codes().loc[0, "wmca_code"] == "WMCA1.1"
    assert ref.postcode_districts().loc[0, "status"] == "inside"


@pytest.mark.skipif(not SPEC_DATA.is_dir(), reason="spec folder not available")
@pytest.mark.parametrize("name", ["wmca-destination-codes.csv", "approved-bootcamps-2021-22.csv"])
def test_shipped_copies_match_the_spec(name):
    assert (DATA / name).read_bytes() == (SPEC_DATA / name).read_bytes()


# --- postcode districts table ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    return ref.postcode_districts().set_index("district")


def test_districts_table_is_well_formed(districts):
    assert districts.index.is_unique
    assert set(districts["status"]) <= {"inside", "straddling", "outside"}
    assert districts["councils"].notna().all() and districts["note"].notna().all()
    assert all(ref.postcode_district(d) == d for d in districts.index)


def test_districts_cover_the_seven_councils(districts):
    expected = (
        [f"B{n}" for n in [*range(1, 22), *range(23, 39), 40, *range(42, 46), *range(62, 77), *range(90, 95)]]
        + [f"CV{n}" for n in range(1, 8)] + [f"DY{n}" for n in range(1, 10)]
        + [f"WS{n}" for n in range(1, 11)] + [f"WV{n}" for n in range(1, 15)]
    )
    missing = [d for d in expected if d not in districts.index]
    assert not missing


def test_district_anchors(districts):
    status = districts["status"]
    assert {status[d] for d in ("CV7", "B94", "WS9")} == {"straddling"}
    assert {status[f"B{n}"] for n in range(1, 22)} == {"inside"}
    assert {status[d] for d in ("LE1", "ST1", "WR1")} == {"outside"}
    assert {status[d] for d in ("B46", "B60", "B77", "CV8", "DY7", "WS11", "WV5", "WV15")} == {"outside"}


def test_straddling_or_inside_districts_name_a_member_council(districts):
    members = set(ref.WMCA_COUNCILS.values())
    for district, row in districts[districts["status"] != "outside"].iterrows():
        assert members & set(row["councils"].split("; ")), district
    for district, row in districts[districts["status"] == "outside"].iterrows():
        assert not members & set(row["councils"].split("; ")), district


def test_wmca_lad_codes():
    expected = {"E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031"}
    assert expected == ref.WMCA_LAD_CODES
    assert ref.WMCA_COUNCILS["E08000025"] == "Birmingham" and ref.WMCA_COUNCILS["E08000031"] == "Wolverhampton"


# --- postcodes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("postcode", "district"), [
    ("b15 2tt", "B15"),
    ("B152TT", "B15"),
    ("  B15   2TT ", "B15"),
    ("B1 1AA", "B1"),
    ("b11aa", "B1"),
    ("CV7 9ZZ", "CV7"),
    ("SW1A 1AA", "SW1A"),
    ("EC1A1BB", "EC1A"),
    ("ZZ99 9ZZ", "ZZ99"),
    ("B15", "B15"),
    ("", None),
    ("   ", None),
    ("not a postcode", None),
    ("B15 2T", None),
    ("15 2TT", None),
    (None, None),
    (pd.NA, None),
    (1234, None),
])
def test_postcode_district(postcode, district):
    assert ref.postcode_district(postcode) == district


@pytest.mark.parametrize(("postcode", "normal"), [
    ("b152tt", "B15 2TT"), ("B1  1AA", "B1 1AA"), ("sw1a1aa", "SW1A 1AA"), ("B15", None), (None, None),
])
def test_normalise_postcode(postcode, normal):
    assert ref.normalise_postcode(postcode) == normal


# --- WMCA area ---------------------------------------------------------------------------------------

POSTCODES = pd.Series(
    ["B15 2TT", "cv79aa", "LE1 1AA", "ZZ99 9ZZ", None, "rubbish", "M1 1AE", "B99 1AA", "WS9 0AA", "B1 1AA"],
    index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
)


def test_wmca_area_by_district():
    area = ref.wmca_area(POSTCODES)
    assert area.index.equals(POSTCODES.index) and str(area.dtype) == "string"
    assert area.tolist() == [
        "inside", "straddling", "outside", "unknown", "unknown", "unknown",
        "outside",   # another UK postcode area: no member council has M postcodes
        "unknown",   # B99: B area, not in the table
        "straddling", "inside",
    ]


def test_wmca_area_of_string_dtype_with_na():
    area = ref.wmca_area(pd.Series(["B15 2TT", pd.NA, "ZZ99 9ZZ"], dtype="string"))
    assert area.tolist() == ["inside", "unknown", "unknown"]


DIRECTORY = """\
pcd7,pcd8,pcds,dointr,doterm,oslaua,osward
B15 2TT,B15  2TT,B15 2TT,198001,,E08000025,E05011111
CV7 9AA,CV7  9AA,CV7 9AA,198001,,E07000218,E05022222
CV7 9AB,CV7  9AB,CV7 9AB,198001,,E08000029,E05033333
WS9 0AA,WS9  0AA,WS9 0AA,198001,,E08000030,E05044444
LE1 1AA,LE1  1AA,LE1 1AA,198001,,E06000016,E05055555
B1  1AA,B1   1AA,B1 1AA,198001,,,
"""


@pytest.fixture
def directory_csv(tmp_path) -> Path:
    path = tmp_path / "ONSPD_FAKE.csv"
    path.write_text(DIRECTORY, encoding="utf-8")
    return path


def test_read_postcode_directory(directory_csv):
    directory = ref.read_postcode_directory(directory_csv, chunksize=2)
    assert directory.to_dict() == {
        "B15 2TT": "E08000025", "CV7 9AA": "E07000218", "CV7 9AB": "E08000029", "WS9 0AA": "E08000030",
        "LE1 1AA": "E06000016",
    }
    assert directory.index.name == "postcode"


def test_wmca_area_with_directory(directory_csv):
    directory = ref.read_postcode_directory(directory_csv)
    postcodes = pd.Series(["b152tt", "CV7 9AA", "CV7 9AB", "WS9 0AA", "LE1 1AA", "B1 1AA", "B16 8QQ", "ZZ99 9ZZ", None])
    assert ref.wmca_area(postcodes, directory).tolist() == [
        "inside", "outside", "inside", "inside", "outside",
        "unknown",  # in the directory without a LAD
        "unknown", "unknown", "unknown",
    ]


def test_directory_columns_match_loosely(tmp_path):
    path = tmp_path / "nspl.csv"
    path.write_text("\ufeffPCD7,LAD21CD,LAD24CD\nB15 2TT,E08000025,E08000025\nCV1  1AA,E08000099,E08000026\n",
                    encoding="utf-8")
    directory = ref.read_postcode_directory(path)
    assert directory.to_dict() == {"B15 2TT": "E08000025", "CV1 1AA": "E08000026"}  # the latest LAD year


def test_directory_with_wrong_columns(tmp_path):
    path = tmp_path / "not-a-directory.csv"
    path.write_text("postcode_of_learner,ward\nB15 2TT,Edgbaston\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        ref.read_postcode_directory(path)
    message = str(info.value)
    assert str(path) in message and "postcode_of_learner, ward" in message
    assert "local authority district column" in message and "oslaua" in message


def test_directory_missing(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        ref.read_postcode_directory(tmp_path / "missing.csv")


def test_module_imports_nothing_else_from_auditkit():
    source = Path(ref.__file__).read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert [line for line in imports if "auditkit" in line] == ["from auditkit.errors import InputError",
                                                            "from auditkit.frames.reference import REFERENCE_TABLES"]


@pytest.mark.parametrize("name", ["wmca-destination-codes.csv", "approved-bootcamps-2021-22.csv",
                                  "wmca-postcode-districts.csv"])
def test_shipped_tables_fit_their_frames(name):
    """Each shipped table is declared in auditkit/frames/reference.py and read with those columns and dtypes."""
    from auditkit.frames.reference import REFERENCE_TABLES

    frame = REFERENCE_TABLES[name]
    table = ref._table(name)
    frame.validate(table)
    assert list(table.columns) == frame.columns and len(table) > 0
    assert not table.isna().all().any(), "a declared column came out empty: its name does not match the file"
