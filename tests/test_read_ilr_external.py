"""Real ILR files of every year (``../shared/reference/ilr-external``), each read against its own year's schema.

The files are ESFA's and its suppliers' test and sample files (see their SOURCES.md); they are read in place,
never copied. Without the folder these tests skip, saying why; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from auditkit.frames.ilr import ENTITIES
from auditkit.readers.ilr import read_ilr

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
EXTERNAL = SHARED / "ilr-external"
XSDS = SHARED / "ilr"

#: The files SOURCES.md describes as deliberately invalid (ESFA's "FD" test files and an XSD-invalid fragment).
INVALID = {
    "ILR-10033670-1819-20181026-121441-03.xml",  # field length
    "ILR-10033670-1819-20181029-154541-03.xml",  # field pattern
    "ILR-10033670-1819-20181026-101922-03.xml",  # mandatory fields
    "ILR-10033670-1819-20181030-161401-03.xml",  # field range
    "ILR-10033670-1819-20181030-142641-03.xml",  # field occurrence
    "ILR_XSD_invalid_ULN_WorkPlacementHours.xml",
}
PERIOD = ("Header", "FilePreparationDate", None)  # a test file prepared before its ILR year: no collection period
YEAR = ("Header", "Year", None)  # namespace, header Year and file name disagree (SOURCES.md says how)
#: Every problem each valid file may give, as (entity, field, facet): what SOURCES.md says of the file, or what
#: lxml's validation against the file's own XSD finds. Anything else is a false problem.
EXPECTED: dict[str, list[tuple[str | None, str | None, str | None]]] = {
    "ILR-10000001-1819-20180819-112505-01.xml": [],
    "ILR-10000001-1920-20190624-141555-01.xml": [("LearningDelivery", "LSDPostCode", None), PERIOD],
    "ILR-10000001-1920-20190801-100601-01.xml": [
        YEAR, ("LearnerEmploymentStatus", "AgreeId", None), ("Learner", "LearningDelivery", "minOccurs"), PERIOD,
        ("Learner", "LearnRefNumber", None), ("LearningDelivery", "AimSeqNumber", None)],  # a duplicated learner
    "ILR-10000001-1920-20190801-100601-03.xml": [YEAR, ("LearnerEmploymentStatus", "AgreeId", None), PERIOD],
    "ILR-10000001-1920-20190909-225219-01.xml": [("Learner", "LearningDelivery", "minOccurs")],
    "ILR-10006341-1718-20180118-023456-02.xml": [],
    "ILR-10033670-1819-20180704-120055-03.xml": [  # one LearningDeliveryFAM holds two type/code pairs
        ("LearningDeliveryFAM", "LearnDelFAMType", "maxOccurs"),
        ("LearningDeliveryFAM", "LearnDelFAMCode", "maxOccurs"), PERIOD],
    "ILR-10033670-1819-20180909-090909-99.xml": [],
    "ILR-10033670-1819-20181212-103550-36.XML": [],
    "ILR-10033670-1819-20190617-102124-03.xml": [YEAR, PERIOD],
    "ILR-1234567-1718-01.xml": [PERIOD],
    "ILR-90000064-1718-20180409-102223-01.xml": [("Message", None, None), YEAR, PERIOD],  # mixed namespaces
    "ILR-90000080-1819-20180518-094947-02.xml": [PERIOD],
    "ILR-99999999-1920-20190626-144401-01.xml": [("Learner", "OTJHours", None)] * 2 + [PERIOD],
    "ILR-99999999-2526-20250108-094401.xml": [PERIOD, ("LearningDelivery", "AimSeqNumber", None)],
    "ILR.xml": [("Learner", "CampID", None), ("LearnerEmploymentStatus", "AgreeID", None), PERIOD],
    "SampleValid.xml": [PERIOD],
}


def _need(folder: Path) -> Path:
    if not folder.is_dir():
        reason = f"{folder} not found: the real ILR files sit beside the repository in a checkout with shared/"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI has them)")
        pytest.skip(reason)
    return folder


def _files() -> list[Path]:
    return sorted(p for p in _need(EXTERNAL).iterdir() if p.suffix.lower() == ".xml")


@pytest.fixture(scope="module")
def data():
    return read_ilr(_files(), progress=False, errors="report")


def _of(data, name: str, frame: str = "learners") -> pd.DataFrame:
    df = data.frames[frame]
    return df[df["return_id"] == Path(name).stem]


def test_every_file_is_read_with_exactly_the_expected_rows(data):
    with open(EXTERNAL / "expected_counts.csv", encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    frame_of = {e.xml: e.frame for e in ENTITIES}
    assert {r["file"] for r in expected} == {p.name for p in _files()} and len(data.returns) == len(_files())
    wrong = [(r["file"], r["entity"], r["count"], len(_of(data, r["file"], frame_of[r["entity"]])))
             for r in expected if len(_of(data, r["file"], frame_of[r["entity"]])) != int(r["count"])]
    assert not wrong


def test_no_false_problem_on_the_valid_files(data):
    assert set(EXPECTED) | INVALID == {p.name for p in _files()}
    for name, expected in EXPECTED.items():
        got = data.problems[data.problems["return_id"] == Path(name).stem]
        found = Counter((r.entity, r.field, r.facet) for r in got.astype(object).where(got.notna(), None)
                        .itertuples())
        assert found == Counter(expected), (name, got[["line", "field", "message"]].to_string())


def test_the_year_comes_from_the_namespace_and_disagreement_is_said_once(data):
    r = data.returns.set_index("return_id")
    assert r.loc["ILR-1234567-1718-01", "ilr_year"] == "2017-18"
    assert r.loc["ILR-90000064-1718-20180409-102223-01", "ilr_year"] == "2018-19"
    assert r.loc["ILR-10033670-1819-20190617-102124-03", "ilr_year"] == "2019-20"
    (msg,) = data.problems.loc[(data.problems["return_id"] == "ILR-10033670-1819-20190617-102124-03")
                               & (data.problems["field"] == "Year"), "message"]
    assert "namespace says 2019-20" in msg and "header Year 2021 says 2020-21" in msg
    assert "file name says 2018-19" in msg and "read as 2019-20" in msg


def test_mixed_namespaces_are_read_by_local_name_with_one_problem(data):
    name = "ILR-90000064-1718-20180409-102223-01.xml"
    learners = _of(data, name).set_index("learn_ref_number")
    assert len(learners) == 7 and learners[["uln", "family_name", "sex", "postcode"]].notna().all().all()
    assert learners.loc["0ULN03", "family_name"] == "Sméth" and learners.loc["0ULN03", "prior_attain"] == 2
    assert learners.loc["0ULN03", "plan_learn_hours"] == 90 and learners.loc["0ULN03", "math_grade"] == "NONE"
    assert _of(data, name, "returns")["ukprn"].tolist() == [90000064]
    problems = data.problems[data.problems["return_id"] == Path(name).stem]
    (mixed,) = problems.loc[problems["entity"] == "Message", "message"]
    assert "'ESFA/ILR/2018-19'" in mixed and "'SFA/ILR/2017-18'" in mixed


def test_hand_checked_values_of_2017_18(data):
    name = "ILR-1234567-1718-01.xml"
    learner = _of(data, name).set_index("learn_ref_number").loc["AppLearner"]
    assert learner["prior_attain"] == 1 and learner["uln"] == "1061485578" and learner["ni_number"] == "NW123891C"
    assert learner["tel_no"] == "0121951234"
    aims = _of(data, name, "deliveries").set_index(["learn_ref_number", "aim_seq_number"])
    aim = aims.loc[("AppLearner", 1)]
    assert (aim["learn_aim_ref"], aim["prog_type"], aim["fwork_code"], aim["pway_code"]) == ("ZPROG001", 3, 519, 1)
    he = _of(data, name, "delivery_he").set_index("learn_ref_number").loc["HEFunded"]
    assert (he["numhus"], he["ssn"], he["soc2000"], he["ucasappid"]) == ("1234", "WADM46891352A", 1, "000000001")
    assert (he["stuload"], he["pcfldcs"], he["domicile"], he["he_postcode"]) == (5.0, 100.0, "XK", "CV1 2WT")
    prefs = _of(data, name, "contact_preferences")
    assert prefs[prefs["learn_ref_number"] == "AppLearner"]["cont_pref_type"].tolist() == ["PMC", "RUI"]
    assert _of(data, name, "prior_attainments").empty


def test_hand_checked_values_of_2019_20(data):
    name = "ILR-10000001-1920-20190624-141555-01.xml"
    (learner,) = _of(data, name).to_dict("records")
    assert learner["learn_ref_number"] == "12323234234A" and learner["prior_attain"] == 4
    assert learner["plan_eep_hours"] == 1234
    (aim,) = _of(data, name, "deliveries").to_dict("records")
    assert aim["p_hours"] == 1234 and aim["lsd_postcode"] == "BR1 7SS" and aim["emp_outcome"] == 1
    assert len(_of(data, name, "lldd_health_problems")) == 22


def test_hand_checked_values_of_2025_26(data):
    name = "ILR-99999999-2526-20250108-094401.xml"
    prior = _of(data, name, "prior_attainments")
    assert len(prior) == 13 and prior["prior_level"].notna().all()
    assert pd.Timestamp("2021-08-31") in prior["date_level_app"].tolist()
    assert _of(data, name)["prior_attain"].isna().all()  # from 2021-22 an entity, not a learner field
    assert _of(data, name, "unknown_elements").empty


def test_header_date_time_is_kept_as_written(data):
    r = data.returns.set_index("return_id")
    assert r.loc["ILR-10033670-1819-20180704-120055-03", "date_time"] == pd.Timestamp("2018-07-04 12:00:49.3827141")
    assert r.loc["ILR-10000001-1920-20190909-225219-01", "serial_no"] == "00"


def test_elements_the_year_does_not_define_are_kept(data):
    u = _of(data, "ILR-99999999-1920-20190626-144401-01.xml", "unknown_elements")
    assert u["path"].tolist() == ["Learner/OTJHours"] * 2 and u["value"].tolist() == ["5", "5"]
    assert u["learn_ref_number"].tolist() == ["NonLevy", "Levy"] and u["line"].tolist() == [1599, 1747]
    assert data.masked().unknown_elements["value"].notna().all()  # OTJHours is known not to be personal


def test_facet_violations_are_reported_and_the_values_kept(data):
    p = data.problems
    name = "ILR-10033670-1819-20181026-121441-03"
    learners = _of(data, name + ".xml").set_index("learn_ref_number")
    long_ref = "49LLearnRefMoreThan12Chars"
    assert long_ref in learners.index
    (lrn,) = p[(p["return_id"] == name) & (p["field"] == "LearnRefNumber")
               & (p["value"] == long_ref)].to_dict("records")
    assert lrn["facet"] == "pattern" and lrn["expected"] == "[A-Za-z0-9 ]{1,12}" and lrn["entity"] == "Learner"
    tel = p[(p["return_id"] == name) & (p["field"] == "TelNo")]
    assert tel["facet"].tolist() == ["pattern"] and len(tel["value"].iloc[0]) == 24
    assert tel["value"].iloc[0] in learners["tel_no"].tolist()
    stuload = p[(p["return_id"] == name) & (p["field"] == "STULOAD")].iloc[0]
    assert (stuload["value"], stuload["facet"], stuload["expected"]) == ("36253", "maxInclusive", "at most 300")
    assert 36253.0 in _of(data, name + ".xml", "delivery_he")["stuload"].tolist()
    rng = "ILR-10033670-1819-20181030-161401-03"
    uln = p[(p["return_id"] == rng) & (p["field"] == "ULN") & (p["entity"] == "Learner")]
    assert "999999999" in uln["value"].tolist() and set(uln["facet"]) <= {"minInclusive", "maxInclusive"}
    occ = p[(p["return_id"] == "ILR-10033670-1819-20181030-142641-03") & (p["facet"] == "maxOccurs")]
    assert {"LLDDandHealthProblem", "LearnerHEFinancialSupport"} <= set(occ["field"])


def test_xsd_errors_of_the_strict_years_are_all_reported(data):
    """lxml validation against the file's own XSD (2019-20, 2020-21, 2025-26, the strict ones) as the oracle: every
    error it finds is a problem at the same line."""
    schemas = {f"ESFA/ILR/{y}": etree.XMLSchema(etree.parse(str(_need(XSDS) / f"ILR-{y}.xsd")))
               for y in ("2019-20", "2020-21", "2025-26")}
    checked = 0
    for path in _files():
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        schema = schemas.get(etree.QName(tree.getroot()).namespace)
        if schema is None or schema.validate(tree):
            continue
        lines = set(data.problems.loc[data.problems["return_id"] == path.stem, "line"].dropna())
        for error in schema.error_log:
            if "Year" in error.message and "not an element of the set" in error.message:
                continue  # the header Year: reported once, as the year disagreement, without a line
            assert error.line in lines, (path.name, error.line, error.message)
            checked += 1
    assert checked >= 7
