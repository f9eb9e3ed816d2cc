"""Bad input: files that are not XML or not an ILR, bad values, broken XML, duplicates, missing paths."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from auditkit.readers.discover import InputError
from auditkit.readers.ilr import ILRFileError, read_ilr
from tests import ilr_strategies as ilrs

NOT_XML = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "csv": b"LearnRefNumber,ULN,FamilyName\nL1,1000000018,Smith\n",
    "empty": b"",
}
NOT_ILR = {
    "html": (b"<!-- saved page --><html><head><title>ILR</title></head><body><p>hi</p></body></html>", "html"),
    "foo": (b'<?xml version="1.0"?>\n<Foo xmlns="ESFA/ILR/2024-25"><Learner><LearnRefNumber>X</LearnRefNumber>'
            b"</Learner></Foo>", "Foo"),
    "empty root": (b"<Bar/>", "Bar"),
}


def _problems_of(data, lrn: str) -> list[dict]:
    return [p for p in data.problems.to_dict("records") if p["learn_ref_number"] == lrn]


def _learner_lines(text: str, lrn: str) -> tuple[int, int]:
    """First and last line of learner ``lrn`` as the writer lays it out."""
    start = ilrs.line_of(text, f"<LearnRefNumber>{lrn}</LearnRefNumber>") - 1
    assert "<Learner>" in text.splitlines()[start - 1]
    return start, ilrs.line_of(text, "</Learner>", start)


# -- files that cannot be read at all -------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(NOT_XML))
def test_file_that_is_not_xml_raises_naming_the_file(tmp_path, kind):
    path = tmp_path / f"ILR-{kind}.xml"
    path.write_bytes(NOT_XML[kind])
    with pytest.raises(ILRFileError) as info:
        read_ilr(path, progress=False)
    message = str(info.value)
    assert str(path) in message
    assert "not well-formed XML" in message or "no XML elements" in message


@pytest.mark.parametrize("kind", sorted(NOT_ILR))
def test_xml_that_is_not_an_ilr_raises_naming_the_file_and_root(tmp_path, kind):
    body, root = NOT_ILR[kind]
    path = tmp_path / f"ILR-{kind.replace(' ', '-')}.xml"
    path.write_bytes(body)
    with pytest.raises(ILRFileError) as info:
        read_ilr(path, progress=False)
    message = str(info.value)
    assert str(path) in message
    assert f"<{root}>" in message and "not an ILR" in message and "<Message>" in message


def test_ilr_file_error_is_an_input_error():
    assert issubclass(ILRFileError, InputError)


def _folder_with_bad_files(folder: Path) -> dict[str, Path]:
    good = ilrs.write_file(folder, [ilrs.minimal_learner("G1"), ilrs.minimal_learner("G2")])
    paths = {"good": good}
    for name, body in (("pdf", NOT_XML["pdf"]), ("html", NOT_ILR["html"][0]), ("foo", NOT_ILR["foo"][0])):
        paths[name] = folder / "sub" / f"ILR-{name}.xml"
        paths[name].parent.mkdir(exist_ok=True)
        paths[name].write_bytes(body)
    later = ilrs.write_file(folder / "z", [ilrs.minimal_learner("G3")], ukprn=10000002)  # read after the bad ones
    paths["later"] = later
    return paths


def test_report_mode_puts_bad_files_in_problems_and_reads_the_rest(tmp_path):
    paths = _folder_with_bad_files(tmp_path)
    data = read_ilr(tmp_path, progress=False, errors="report")
    assert sorted(data.learners["learn_ref_number"]) == ["G1", "G2", "G3"]
    assert sorted(data.returns["path"]) == sorted([str(paths["good"]), str(paths["later"])])
    by_file = {p["file"]: p for p in data.problems.to_dict("records")}
    assert set(by_file) == {str(paths["pdf"]), str(paths["html"]), str(paths["foo"])}
    assert "not well-formed XML" in by_file[str(paths["pdf"])]["message"]
    assert "<html>" in by_file[str(paths["html"])]["message"]
    assert "<Foo>" in by_file[str(paths["foo"])]["message"]
    for problem in by_file.values():
        assert problem["severity"] == "error"
        assert problem["file"] in problem["message"]
        assert pd.isna(problem["return_id"])
    assert "X" not in set(data.learners["learn_ref_number"])  # nothing of the <Foo> file was kept
    assert data.returns["problem_count"].tolist() == [0, 0]


def test_raise_mode_stops_at_the_first_bad_file_of_a_folder(tmp_path):
    paths = _folder_with_bad_files(tmp_path)
    with pytest.raises(ILRFileError, match="not an ILR") as info:
        read_ilr(tmp_path, progress=False)
    assert str(paths["foo"]) in str(info.value)


def test_bad_errors_argument_is_refused(tmp_path):
    with pytest.raises(ValueError, match="errors must be"):
        read_ilr(tmp_path, errors="ignore")


def test_xml_with_a_message_root_broken_before_any_learner(tmp_path):
    """Looks like an ILR but breaks in the header with no learner to recover: a file error, not an lxml error."""
    path = tmp_path / "ILR-broken-header.xml"
    path.write_bytes(b'<Message xmlns="ESFA/ILR/2024-25"><Header><CollectionDetails></Message>')
    with pytest.raises(ILRFileError, match="not well-formed XML") as info:
        read_ilr(path, progress=False)
    assert str(path) in str(info.value)
    good = ilrs.write_file(tmp_path, [ilrs.minimal_learner("G1")])
    data = read_ilr(path, good, progress=False, errors="report")
    assert data.problems["file"].tolist() == [str(path)]  # one problem only: nothing left from the failed attempt
    assert data.learners["learn_ref_number"].tolist() == ["G1"]


# -- bad values in a learner ----------------------------------------------------------------------------

VALUE_CASES = {
    # lrn: (learner, entity, field, value, severity, words the message must contain)
    "BADDATE": (ilrs.minimal_learner("BADDATE", LearningDelivery=[
        ilrs.minimal_delivery(1, LearnStartDate="2024-13-45")]),
        "LearningDelivery", "LearnStartDate", "2024-13-45", "error", ["'2024-13-45'", "a date as YYYY-MM-DD"]),
    "BADINT": (ilrs.minimal_learner("BADINT", Ethnicity="abc"),
               "Learner", "Ethnicity", "abc", "error", ["'abc'", "a whole number"]),
    "HUGEINT": (ilrs.minimal_learner("HUGEINT", Ethnicity="99999999999999999999"),
                "Learner", "Ethnicity", "99999999999999999999", "error", ["'99999999999999999999'", "whole number"]),
    "FRACTION": (ilrs.minimal_learner("FRACTION", PlanLearnHours="12.5"),
                 "Learner", "PlanLearnHours", "12.5", "error", ["'12.5'", "a whole number"]),
    "BADDEC": (ilrs.minimal_learner("BADDEC", LearningDelivery=[ilrs.minimal_delivery(1, LearningDeliveryHE={
        "TYPEYR": 1, "MODESTUD": 1, "YEARSTU": 1, "MSTUFEE": 1, "SPECFEE": 0, "STULOAD": "12,5"})]),
        "LearningDeliveryHE", "STULOAD", "12,5", "error", ["'12,5'", "a number"]),
    "NOSTART": (ilrs.minimal_learner("NOSTART", LearningDelivery=[ilrs.minimal_delivery(1, LearnStartDate=None)]),
                "LearningDelivery", "LearnStartDate", None, "error", ["required element <LearnStartDate>", "missing"]),
}


@pytest.fixture(scope="module")
def bad_values(tmp_path_factory):
    """One file with a good learner around each bad one, and learners with unexpected elements."""
    learners = [ilrs.minimal_learner("GOOD0")]
    for learner, *_ in VALUE_CASES.values():
        learners += [learner, ilrs.minimal_learner(f"GOOD{len(learners)}")]
    learners += [ilrs.minimal_learner(lrn) for lrn in ("EXTRA", "EXTRAFIRST", "EXTRADEL")]
    text = ilrs.ilr_text(learners)
    # unexpected elements, added on existing lines so the layout (and the line numbers) stays as written
    text = text.replace("<LearnRefNumber>EXTRA</LearnRefNumber>",
                        "<LearnRefNumber>EXTRA</LearnRefNumber><Nickname>Bob &amp; Co</Nickname>")
    text = text.replace("<LearnRefNumber>EXTRAFIRST</LearnRefNumber>",
                        "<Nickname>Al</Nickname><LearnRefNumber>EXTRAFIRST</LearnRefNumber>")
    start, _ = _learner_lines(text, "EXTRADEL")
    lines = text.splitlines(keepends=True)
    at = ilrs.line_of(text, "<LearnAimRef>", start) - 1
    lines[at] = lines[at].replace("<LearnAimRef>", "<Colour>blue</Colour><LearnAimRef>")
    text = "".join(lines)
    path = tmp_path_factory.mktemp("bad_values") / ilrs.file_name()
    path.write_text(text, encoding="utf-8")
    return path, text, [x["LearnRefNumber"] for x in learners], read_ilr(path, progress=False)


@pytest.mark.parametrize("lrn", sorted(VALUE_CASES))
def test_bad_value_is_reported_and_the_learner_kept(bad_values, lrn):
    path, text, all_lrns, data = bad_values
    _, entity, field, value, severity, words = VALUE_CASES[lrn]
    (problem,) = _problems_of(data, lrn)
    assert problem["file"] == str(path)
    assert problem["return_id"] == path.stem
    assert problem["entity"] == entity and problem["field"] == field and problem["severity"] == severity
    assert (pd.isna(problem["value"]) if value is None else problem["value"] == value)
    for word in words:
        assert word in problem["message"], problem["message"]
    start, end = _learner_lines(text, lrn)
    assert start <= problem["line"] <= end
    assert data.learners["learn_ref_number"].tolist() == all_lrns  # kept, in order
    learner = data.learners.set_index("learn_ref_number").loc[lrn]
    assert learner["family_name"] == "Smith" and learner["postcode"] == "B1 1AA"
    delivery = data.deliveries.set_index("learn_ref_number").loc[lrn]
    assert delivery["learn_aim_ref"] == "ZSBC0001" and delivery["aim_seq_number"] == 1


def test_bad_values_are_read_as_empty(bad_values):
    _, _, _, data = bad_values
    learners = data.learners.set_index("learn_ref_number")
    assert pd.isna(learners.loc["BADINT", "ethnicity"]) and learners.loc["GOOD0", "ethnicity"] == 31
    assert pd.isna(learners.loc["HUGEINT", "ethnicity"]) and pd.isna(learners.loc["FRACTION", "plan_learn_hours"])
    deliveries = data.deliveries.set_index("learn_ref_number")
    assert pd.isna(deliveries.loc["BADDATE", "learn_start_date"]) and pd.isna(deliveries.loc["NOSTART",
                                                                                             "learn_start_date"])
    assert deliveries.loc["GOOD0", "learn_start_date"] == pd.Timestamp("2024-09-02")
    he = data.delivery_he.set_index("learn_ref_number")
    assert pd.isna(he.loc["BADDEC", "stuload"]) and he.loc["BADDEC", "specfee"] == 0


@pytest.mark.parametrize(("lrn", "element", "value", "entity"), [
    ("EXTRA", "Nickname", "Bob & Co", "Learner"),
    ("EXTRAFIRST", "Nickname", "Al", "Learner"),  # before the LearnRefNumber
    ("EXTRADEL", "Colour", "blue", "LearningDelivery"),
])
def test_unexpected_element_is_reported_with_its_line_and_learner(bad_values, lrn, element, value, entity):
    path, text, all_lrns, data = bad_values
    (problem,) = _problems_of(data, lrn)
    assert problem["file"] == str(path)
    assert problem["field"] == element and problem["value"] == value and problem["entity"] == entity
    assert problem["severity"] == "warning"
    assert f"element <{element}> is not in the 2024-25 schema of <{entity}>" in problem["message"]
    assert problem["line"] == ilrs.line_of(text, f"<{element}>", _learner_lines(text, lrn)[0])
    (kept,) = data.unknown_elements[data.unknown_elements["learn_ref_number"] == lrn].to_dict("records")
    path_in = "Learner" if entity == "Learner" else "Learner/LearningDelivery"
    assert kept["path"] == f"{path_in}/{element}" and kept["value"] == value and kept["line"] == problem["line"]
    assert kept["file"] == str(path) and kept["entity"] == entity
    assert lrn in data.learners["learn_ref_number"].tolist() and lrn in data.deliveries["learn_ref_number"].tolist()


def test_good_learners_have_no_problems(bad_values):
    _, _, all_lrns, data = bad_values
    assert data.problems["learn_ref_number"].notna().all()
    assert not data.problems["learn_ref_number"].str.startswith("GOOD").any()
    assert len(data.problems) == len(VALUE_CASES) + 3
    assert data.returns.loc[0, "problem_count"] == len(data.problems)


def test_learner_without_learn_ref_number_is_kept_and_reported(tmp_path):
    text = ilrs.ilr_text([ilrs.minimal_learner("A1"), ilrs.minimal_learner(None, FamilyName="Nobody"),
                          ilrs.minimal_learner(None, FamilyName="Noone"), ilrs.minimal_learner("A2")])
    path = tmp_path / ilrs.file_name()
    path.write_text(text, encoding="utf-8")
    data = read_ilr(path, progress=False)
    assert data.learners["family_name"].tolist() == ["Smith", "Nobody", "Noone", "Smith"]
    assert data.learners["learn_ref_number"].isna().tolist() == [False, True, True, False]
    assert len(data.deliveries) == 4
    problems = data.problems.to_dict("records")
    assert len(problems) == 2
    learner_lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "<Learner>"]
    assert [p["line"] for p in problems] == learner_lines[1:3]
    for p in problems:
        assert p["file"] == str(path) and p["entity"] == "Learner" and p["field"] == "LearnRefNumber"
        assert "no LearnRefNumber" in p["message"] and "kept" in p["message"]


def test_repeated_learn_ref_number_and_aim_seq_number_are_warned_about_and_kept(tmp_path):
    twice = [ilrs.minimal_delivery(1), ilrs.minimal_delivery(1, LearnAimRef="ZWRKX002")]
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1"), ilrs.minimal_learner("L1", FamilyName="Jones"),
                                      ilrs.minimal_learner("L2", LearningDelivery=twice)])
    data = read_ilr(path, progress=False)
    assert data.learners["family_name"].tolist() == ["Smith", "Jones", "Smith"]
    assert data.deliveries["learn_aim_ref"].tolist() == ["ZSBC0001", "ZSBC0001", "ZSBC0001", "ZWRKX002"]
    problems = data.problems.sort_values("line").to_dict("records")
    assert [(p["learn_ref_number"], p["field"], p["value"], p["severity"]) for p in problems] == [
        ("L1", "LearnRefNumber", "L1", "warning"),  # the second L1 ...
        ("L1", "AimSeqNumber", "1", "warning"),  # ... and so its delivery
        ("L2", "AimSeqNumber", "1", "warning")]
    assert all("appears more than once" in p["message"] and "kept" in p["message"] for p in problems)
    assert [p["line"] for p in problems] == [data.learners.loc[1, "line"], *data.deliveries.loc[[1, 3], "line"]]


# -- XML broken in the middle ---------------------------------------------------------------------------

LRNS = ["L1", "L2", "L3", "L4", "L5"]


def _break(text: str, how: str, lrn: str) -> tuple[str, int]:
    """The text with learner ``lrn`` broken, and the line of the break."""
    start, end = _learner_lines(text, lrn)
    lines = text.splitlines(keepends=True)
    if how == "closing tag":
        lines[end - 1] = lines[end - 1].replace("</Learner>", "</Learnr>")
        return "".join(lines), end
    if how == "stray <":
        at = ilrs.line_of(text, "<FamilyName>", start)
        lines[at - 1] = lines[at - 1].replace("<FamilyName>Smith", "<FamilyName>Sm<ith")
        return "".join(lines), at
    assert how == "truncated"
    return "".join(lines[: start + 5]), start + 5


@pytest.mark.parametrize("namespace", ["default", "none", "prefixed", "multi-line root"])
@pytest.mark.parametrize(("how", "broken"), [
    ("closing tag", "L3"), ("closing tag", "L1"), ("stray <", "L3"), ("stray <", "L5"), ("truncated", "L5"),
])
def test_broken_learner_is_reported_near_its_line_and_the_others_load(tmp_path, namespace, how, broken):
    learners = [ilrs.minimal_learner(lrn, LearningDelivery=[ilrs.minimal_delivery(1), ilrs.minimal_delivery(2)])
                for lrn in LRNS]
    text = ilrs.ilr_text(learners, namespace=namespace != "none")
    if namespace == "multi-line root":
        text = text.replace('<Message xmlns="ESFA/ILR/2024-25">', '<Message\n    xmlns="ESFA/ILR/2024-25"\n'
                            '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">')
    start, end = _learner_lines(text, broken)
    path = tmp_path / ilrs.file_name()
    broken_text, broken_line = _break(text, how, broken)
    path.write_text(ilrs.prefixed(broken_text) if namespace == "prefixed" else broken_text, encoding="utf-8")
    data = read_ilr(path, progress=False)
    kept = [lrn for lrn in LRNS if lrn != broken]
    assert data.learners["learn_ref_number"].tolist() == kept
    assert data.deliveries["learn_ref_number"].tolist() == [lrn for lrn in kept for _ in (1, 2)]
    assert data.learners["family_name"].tolist() == ["Smith"] * len(kept)  # read with the file's namespace
    assert data.learners["line"].tolist() == [_learner_lines(text, lrn)[0] for lrn in kept]
    (learner_problem,) = _problems_of(data, broken)
    assert learner_problem["file"] == str(path) and learner_problem["entity"] == "Learner"
    assert "not well-formed XML" in learner_problem["message"] and "not read" in learner_problem["message"]
    assert start <= learner_problem["line"] <= end + 1
    assert abs(learner_problem["line"] - broken_line) <= 1  # the line in the file, not within the learner
    (file_problem,) = [p for p in data.problems.to_dict("records") if p["entity"] == "Message"]
    assert "not well-formed XML" in file_problem["message"]
    assert len(data.problems) == 2
    ret = data.returns.iloc[0]
    assert ret["learner_count"] == len(kept) and ret["delivery_count"] == 2 * len(kept)
    assert ret["ukprn"] == ilrs.UKPRN and ret["ilr_year"] == "2024-25"
    assert ret["namespace"] == ("" if namespace == "none" else "ESFA/ILR/2024-25")


# -- duplicates and missing paths -----------------------------------------------------------------------

def test_same_file_loose_and_in_a_zip_is_read_once(tmp_path):
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1"), ilrs.minimal_learner("L2")])
    with zipfile.ZipFile(tmp_path / "returns.zip", "w") as zf:
        zf.write(path, f"2024/{path.name}")
    data = read_ilr(tmp_path, progress=False)
    assert len(data.returns) == 1
    assert data.learners["learn_ref_number"].tolist() == ["L1", "L2"]
    assert len(data.deliveries) == 2
    (problem,) = data.problems.to_dict("records")
    names = {str(path), f"{tmp_path / 'returns.zip'}::2024/{path.name}"}
    assert {problem["file"], data.returns.loc[0, "path"]} == names
    assert problem["severity"] == "warning"
    assert "same bytes as" in problem["message"] and data.returns.loc[0, "path"] in problem["message"]
    assert data.returns.loc[0, "problem_count"] == 0


def test_same_file_given_twice_or_copied_is_read_once(tmp_path):
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")])
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    shutil.copy(path, copy)
    data = read_ilr(path, [copy, path], progress=False)
    assert data.returns["path"].tolist() == [str(path)]
    assert data.returns["return_id"].tolist() == [path.stem]
    assert data.learners["learn_ref_number"].tolist() == ["L1"]
    assert data.problems["file"].tolist() == [str(copy), str(path)]
    assert data.problems["message"].str.contains(f"same bytes as {path}", regex=False).all()


def test_missing_path_raises_input_error_naming_it(tmp_path):
    good = ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1")])
    missing = tmp_path / "no-such-folder" / "ILR-missing.xml"
    for args in ((missing,), (good, missing), (str(missing),)):
        with pytest.raises(InputError) as info:
            read_ilr(*args, progress=False, errors="report")
        assert str(missing) in str(info.value) and "no such file" in str(info.value)
