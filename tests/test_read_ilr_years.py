"""Each ILR file is read against the schema of its own year: the schema table, and the reader on hand-made files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from auditkit.frames.ilr import ENTITIES, ENTITY_BY_XML
from auditkit.frames.ilr_schema import TABLE, schemas, year_schema, years_of, years_text
from auditkit.readers.ilr import read_ilr
from tests import ilr_strategies as ilrs

XSDS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ilr"


def test_the_shipped_table_is_what_the_xsds_give():
    """Regenerating the table from ESFA's XSDs gives the shipped file, byte for byte."""
    from auditkit.frames.ilr_schema_build import table_text

    if not XSDS.is_dir():
        reason = f"{XSDS} not found: ESFA's XSDs sit beside the repository in a checkout with shared/"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI has them)")
        pytest.skip(reason)
    assert table_text(XSDS) == TABLE.read_text(encoding="utf-8"), "run python -m auditkit.frames.ilr_schema_build"


def test_every_year_from_2017_18_to_2025_26_is_in_the_table():
    assert list(schemas()) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2026)]
    assert schemas()["2017-18"].namespace == "SFA/ILR/2017-18"
    assert schemas()["2024-25"].namespace == "ESFA/ILR/2024-25"
    assert year_schema("2016-17").year == "2017-18" and year_schema("2030-31").year == "2025-26"


def test_every_element_of_every_year_has_a_declared_column_of_its_kind():
    own = {("Learner", "LearnRefNumber"): "str", ("LearningDelivery", "AimSeqNumber"): "int"}
    for year, schema in schemas().items():
        for e in ENTITIES:
            if e.xml not in schema.entities:
                continue
            declared = {f.xml: f.kind for f in e.fields}
            for name, el in schema.fields(e.xml).items():
                kind = declared.get(name, own.get((e.xml, name)))
                assert kind is not None, (year, e.xml, name)
                assert kind == el.kind or (kind == "str" and name == "ULN"), (year, e.xml, name, kind, el.kind)
            kids = {c.xml for c in ENTITIES if c.parent == e.xml}
            assert set(schema.children(e.xml)) <= kids, (year, e.xml)


def test_older_years_have_their_own_fields():
    assert years_text(years_of("Learner", "PriorAttain")) == "2017-18 to 2020-21"
    assert "PriorAttain" in schemas()["2021-22"].children("Learner")
    assert years_text(years_of("LearningDelivery", "FworkCode")) == "2017-18 to 2020-21"
    assert years_text(years_of("LearnerEmploymentStatus", "AgreeId")) == "2017-18 to 2019-20"
    assert years_text(years_of("Learner", "OTJHours")) == "2017-18 to 2018-19"
    assert years_text(years_of("Learner", "ULN")) == "all"
    assert "LearnerDestinationandProgression" in schemas()["2023-24"].entities
    assert "LearnerDestinationandProgression" not in schemas()["2024-25"].entities


def _read(tmp_path: Path, text: str, name: str | None = None, year: str = "2024-25"):
    path = tmp_path / (name or ilrs.file_name(year=year))
    path.write_text(text, encoding="utf-8")
    return read_ilr(path, progress=False)


def test_a_2020_21_file_reads_prior_attain_fworkcode_and_agreeid(tmp_path):
    learner = ilrs.minimal_learner("L1", PriorAttain=3, LearningDelivery=[ilrs.minimal_delivery(1, FworkCode=420,
                                                                                                  PwayCode=2)])
    text = ilrs.ilr_text([learner], year="2020-21")
    data = _read(tmp_path, text, year="2020-21")
    assert data.problems.empty, data.problems.to_dict("records")
    assert data.learners["prior_attain"].tolist() == [3] and data.prior_attainments.empty
    assert data.deliveries[["fwork_code", "pway_code"]].values.tolist() == [[420, 2]]


def test_a_field_of_an_older_year_in_a_newer_file_is_kept_not_read(tmp_path):
    learner = ilrs.minimal_learner("L1", LearningDelivery=[ilrs.minimal_delivery(1, FworkCode=420)])
    data = _read(tmp_path, ilrs.ilr_text([learner], year="2024-25"))
    assert data.deliveries["fwork_code"].isna().all()
    (u,) = data.unknown_elements.to_dict("records")
    assert (u["path"], u["value"], u["learn_ref_number"]) == ("Learner/LearningDelivery/FworkCode", "420", "L1")
    (p,) = data.problems.to_dict("records")
    assert p["severity"] == "warning" and "not in the 2024-25 schema" in p["message"] and p["field"] == "FworkCode"


def test_names_differing_only_in_case_are_read_with_one_warning(tmp_path):
    learners = [ilrs.minimal_learner(f"L{i}", CampId="C1", LearningDelivery=[ilrs.minimal_delivery(
        1, LSDPostcode="B2 2BB")]) for i in (1, 2)]
    text = ilrs.ilr_text(learners).replace("CampId>", "CampID>").replace("LSDPostcode>", "LSDPostCode>")
    data = _read(tmp_path, text)
    assert data.learners["camp_id"].tolist() == ["C1", "C1"]
    assert data.deliveries["lsd_postcode"].tolist() == ["B2 2BB", "B2 2BB"]
    assert sorted(data.problems["field"]) == ["CampID", "LSDPostCode"]
    assert (data.problems["severity"] == "warning").all() and data.unknown_elements.empty


def test_unknown_elements_are_kept_with_their_path_and_masked(tmp_path):
    text = ilrs.ilr_text([ilrs.minimal_learner("L1")]).replace(
        "<Sex>F</Sex>", "<Sex>F</Sex><Nickname>Bobby</Nickname><Extra><Inner>7</Inner><AgreeId>X</AgreeId></Extra>")
    data = _read(tmp_path, text)
    u = data.unknown_elements
    assert u["path"].tolist() == ["Learner/Nickname", "Learner/Extra/Inner", "Learner/Extra/AgreeId"]
    assert u["value"].tolist() == ["Bobby", "7", "X"] and (u["learn_ref_number"] == "L1").all()
    masked = data.masked().unknown_elements["value"].tolist()
    assert masked == ["***", "***", "X"]  # only an element known not to be personal is shown
    assert len(data.problems) == 2  # one per unknown element (Nickname, Extra), each a warning


def test_mixed_namespaces_are_read_with_one_problem_naming_both(tmp_path):
    text = ilrs.ilr_text([ilrs.minimal_learner("L1"), ilrs.minimal_learner("L2")], year="2018-19")
    text = text.replace("<Learner>", '<Learner xmlns="SFA/ILR/2017-18">')
    data = _read(tmp_path, text, year="2018-19")
    assert data.learners["learn_ref_number"].tolist() == ["L1", "L2"] and len(data.deliveries) == 2
    assert data.learners["family_name"].tolist() == ["Smith", "Smith"]
    (p,) = data.problems.to_dict("records")
    assert "'ESFA/ILR/2018-19'" in p["message"] and "'SFA/ILR/2017-18'" in p["message"]


def test_the_year_falls_back_to_the_header_then_the_file_name(tmp_path):
    text = ilrs.ilr_text([ilrs.minimal_learner("L1", PriorAttain=2)], year="2019-20", namespace=False)
    data = _read(tmp_path, text, year="2019-20")
    assert data.returns["ilr_year"].tolist() == ["2019-20"] and data.learners["prior_attain"].tolist() == [2]
    assert data.problems.empty
    no_year = text.replace("<Year>1920</Year>", "")
    (tmp_path / "b").mkdir()
    data = _read(tmp_path / "b", no_year, name=ilrs.file_name(year="2019-20"))
    assert data.returns["ilr_year"].tolist() == ["2019-20"] and data.learners["prior_attain"].tolist() == [2]


def test_a_year_disagreement_is_one_warning(tmp_path):
    text = ilrs.ilr_text([ilrs.minimal_learner("L1")], year="2024-25").replace("<Year>2425</Year>",
                                                                                "<Year>2324</Year>")
    data = _read(tmp_path, text, name=ilrs.file_name(year="2023-24", prepared=ilrs.prepared_in("2024-25")))
    (p,) = data.problems.to_dict("records")
    assert p["severity"] == "warning" and pd.isna(p["learn_ref_number"]) and p["field"] == "Year"
    assert "namespace says 2024-25" in p["message"] and "file name says 2023-24" in p["message"]
    assert data.returns["ilr_year"].tolist() == ["2024-25"]


def test_facet_violations_keep_the_value(tmp_path):
    learner = ilrs.minimal_learner("ABCDEFGHIJKLMNOP", ULN="123456789", TelNo="1" * 24, PlanLearnHours=10000,
                                   LearningDelivery=[ilrs.minimal_delivery(1, LearnAimRef="TOOLONGREF")])
    data = _read(tmp_path, ilrs.ilr_text([learner]))
    got = {(p["field"], p["facet"]): (p["value"], p["expected"]) for p in data.problems.to_dict("records")}
    assert got == {
        ("LearnRefNumber", "pattern"): ("ABCDEFGHIJKLMNOP", "[A-Za-z0-9 ]{1,12}"),
        ("ULN", "minInclusive"): ("123456789", "at least 1000000000"),
        ("TelNo", "pattern"): ("1" * 24, "[0-9]{1,18}"),
        ("PlanLearnHours", "maxInclusive"): ("10000", "at most 9999"),
        ("LearnAimRef", "maxLength"): ("TOOLONGREF", "at most 8 characters"),
    }
    assert data.learners.loc[0, "learn_ref_number"] == "ABCDEFGHIJKLMNOP" and data.learners.loc[0, "uln"] == "123456789"
    assert data.learners.loc[0, "plan_learn_hours"] == 10000 and data.deliveries.loc[0, "learn_aim_ref"] == "TOOLONGREF"
    assert (data.problems["severity"] == "error").all()


def test_too_many_child_records_are_reported_and_kept(tmp_path):
    learner = ilrs.minimal_learner("L1", ProviderSpecLearnerMonitoring=[
        {"ProvSpecLearnMonOccur": o, "ProvSpecLearnMon": "x"} for o in "ABC"])
    data = _read(tmp_path, ilrs.ilr_text([learner]))
    (p,) = data.problems.to_dict("records")
    assert (p["field"], p["facet"], p["value"], p["expected"]) == ("ProviderSpecLearnerMonitoring", "maxOccurs", "3",
                                                                    "at most 2")
    assert len(data.learner_provider_monitoring) == 3


def test_required_elements_follow_the_year(tmp_path):
    """PostcodePrior is required in every year's schema; DelLocPostCode too; a 2025-26 TLOut is optional."""
    learner = ilrs.minimal_learner("L1", PostcodePrior=None)
    data = _read(tmp_path, ilrs.ilr_text([learner], year="2025-26"), year="2025-26")
    assert data.problems["field"].tolist() == ["PostcodePrior"] and data.problems["facet"].tolist() == ["minOccurs"]
    assert ENTITY_BY_XML["LearningDelivery"].by_xml()["TLOut"].kind == "int"
