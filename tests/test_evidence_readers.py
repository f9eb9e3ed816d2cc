"""The evidence readers: manifests (CSV, XLSX), document folders and employer registers into declared frames,
every bad row reported with its file, row and reason while the good rows load."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from auditkit.frames.employers import EMPLOYER_FIELDS, EMPLOYERS
from auditkit.frames.evidence import EVIDENCE, EVIDENCE_FIELDS, EVIDENCE_PROBLEM_FIELDS, EVIDENCE_PROBLEMS
from auditkit.readers.discover import InputError
from auditkit.readers.employers import (
    REGISTER_COLUMNS,
    employer_id_key,
    employer_key,
    read_employers,
)
from auditkit.readers.evidence import (
    MANIFEST_COLUMNS,
    parse_dates,
    read_documents,
    read_evidence,
    read_manifest,
)
from tests.test_evidence_checks import pdf_bytes

LEARNERS = pd.DataFrame({"ukprn": pd.array([10000001, 10000001, 10000002], dtype="Int64"),
                         "learn_ref_number": pd.array(["L1", "L2", "X1"], dtype="string"),
                         "uln": pd.array(["1000000019", "1000000027", "1000000035"], dtype="string")})
HEADER = ",".join(MANIFEST_COLUMNS)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problem(result, check_id: str) -> pd.Series:
    rows = result.problems[result.problems["check_id"] == check_id]
    assert len(rows) == 1, result.problems.to_string()
    return rows.iloc[0]


def declared(frame: pd.DataFrame, fields) -> list[str]:
    return list(frame.columns[:len(fields)])


# -- manifests ----------------------------------------------------------------------------------------------------

def test_manifest_with_loose_column_names_keeps_extra_columns(tmp_path):
    manifest = write(tmp_path / "tracker.csv", (
        "UKPRN,Learn Ref Number,ULN,EVIDENCE_TYPE,Document Date,received-date,Employer,Amount,Reference,File,"
        "SHA256,Notes,Checked By\n"
        "10000001,L1,,Job Offer,2024-09-22,22/09/2024,Acme Data Ltd,,VAC-1,,,fine,AB\n"
        "10000001,L1,1000000019,employer_contribution_invoice,05/04/2024,,Big Co plc,\"£1,050.00\",INV-1,,,,CD\n"))
    result = read_manifest(manifest, learners=LEARNERS)
    ev = result.evidence
    assert result.problems.empty, result.problems.to_string()
    assert declared(ev, EVIDENCE_FIELDS) == [f.column for f in EVIDENCE_FIELDS]
    assert list(ev.columns[len(EVIDENCE_FIELDS):]) == ["Checked By"]
    assert list(ev["Checked By"]) == ["AB", "CD"]
    assert list(ev["evidence_type"]) == ["job_offer", "employer_contribution_invoice"]
    assert list(ev["stage"]) == ["M3", "co-funding"]
    assert list(ev["document_date"]) == [pd.Timestamp("2024-09-22"), pd.Timestamp("2024-04-05")]
    assert ev.loc[0, "received_date"] == pd.Timestamp("2024-09-22")
    assert ev.loc[0, "uln"] == "1000000019"  # filled in from the ILR
    assert ev.loc[1, "amount"] == 1050.0 and list(ev["row"]) == [2, 3]
    assert list(ev["origin"]) == ["manifest", "manifest"] and ev["file_status"].isna().all()
    EVIDENCE.validate(ev)


def test_manifest_xlsx_reads_like_csv(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Ukprn", "LEARN_REF_NUMBER", "Evidence Type", "Document_Date", "Amount", "Reviewer"])
    sheet.append([10000001, "L1", "interview_offer", dt.datetime(2024, 7, 31), None, "AB"])
    sheet.append([10000001, "L2", "employer_contribution_payment", "2024-04-15", 900, "CD"])
    sheet.append([10000001, "L9", "id_check", dt.date(2024, 4, 20), None, "EF"])
    book.save(tmp_path / "manifest.xlsx")
    result = read_manifest(tmp_path / "manifest.xlsx", learners=LEARNERS)
    ev = result.evidence
    assert list(ev["learn_ref_number"]) == ["L1", "L2"]
    assert list(ev["document_date"]) == [pd.Timestamp("2024-07-31"), pd.Timestamp("2024-04-15")]
    assert ev.loc[1, "amount"] == 900.0 and list(ev["Reviewer"]) == ["AB", "CD"]
    bad = problem(result, "MAN_UNKNOWN_LEARNER")
    assert bad["file"].endswith("manifest.xlsx") and bad["row"] == 4
    assert bad["reason"] == "learner L9 is in no ILR return of UKPRN 10000001"


def test_every_bad_row_is_reported_with_file_row_and_reason_and_good_rows_load(tmp_path):
    manifest = write(tmp_path / "evidence" / "manifest.csv", "\n".join([
        HEADER,
        "10000001,L1,,enrolment_form,2024-04-20,,,,,,,",            # row 2: good
        "10000001,L1,,reference_letter,2024-04-20,,,,,,,",          # row 3: unknown type
        "10000001,L1,,attendance_record,31/11/2024,,,,,,,",         # row 4: no such date
        "10000001,L7,,enrolment_form,2024-04-20,,,,,,,",            # row 5: learner not in the ILR
        "10000001,L1,,certificate_of_achievement,2024-07-24,,,,,documents/10000001/L1/gone.pdf,,",  # row 6
        "10000001,L1,,id_check,2024-04-20,yesterday,,abc,,,,",      # row 7: bad optional values, kept
        "10000001,L1,,iag_record,,,,,,,,",                          # row 8: no document date
    ]) + "\n")
    result = read_manifest(manifest, learners=LEARNERS)
    file = str(manifest)
    expected = {
        ("MAN_UNKNOWN_TYPE", 3, "dropped"), ("MAN_BAD_DATE", 4, "dropped"), ("MAN_UNKNOWN_LEARNER", 5, "dropped"),
        ("MAN_MISSING_FILE", 6, "kept"), ("MAN_BAD_DATE", 7, "kept"), ("MAN_BAD_AMOUNT", 7, "kept"),
        ("MAN_BAD_DATE", 8, "dropped"),
    }
    got = set(zip(result.problems["check_id"], result.problems["row"], result.problems["outcome"], strict=True))
    assert got == expected
    assert (result.problems["file"] == file).all()
    reasons = dict(zip(result.problems["row"], result.problems["reason"], strict=False))
    assert reasons[3].startswith("unknown evidence type 'reference_letter'")
    assert reasons[4] == "document_date '31/11/2024' cannot be read as a date"
    assert reasons[5] == "learner L7 is in no ILR return of UKPRN 10000001"
    assert reasons[6] == "listed file documents/10000001/L1/gone.pdf does not exist"
    assert reasons[8] == "document_date is empty"
    assert sorted(result.evidence["row"]) == [2, 6, 7]
    kept = result.evidence.set_index("row")
    assert kept.loc[6, "file_status"] == "missing" and pd.isna(kept.loc[7, "amount"])
    assert pd.isna(kept.loc[7, "received_date"])
    EVIDENCE_PROBLEMS.validate(result.problems)
    assert list(result.problems.columns) == [f.column for f in EVIDENCE_PROBLEM_FIELDS]


def test_unreadable_and_encrypted_pdfs_are_reported_and_kept(tmp_path):
    docs = tmp_path / "evidence" / "documents" / "10000001" / "L1"
    docs.mkdir(parents=True)
    (docs / "job_offer__2024-09-22.pdf").write_bytes(pdf_bytes("D:20240922100000", password="pw"))
    (docs / "interview_offer__2024-07-31.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF\n")
    manifest = write(tmp_path / "evidence" / "manifest.csv", "\n".join([
        HEADER,
        "10000001,L1,,job_offer,2024-09-22,,,,,documents/10000001/L1/job_offer__2024-09-22.pdf,,",
        "10000001,L1,,interview_offer,2024-07-31,,,,,documents/10000001/L1/interview_offer__2024-07-31.pdf,,",
    ]) + "\n")
    result = read_evidence(manifest, tmp_path / "evidence" / "documents", learners=LEARNERS)
    encrypted, unreadable = problem(result, "MAN_ENCRYPTED_PDF"), problem(result, "MAN_UNREADABLE_PDF")
    assert encrypted["row"] == 2 and "encrypted" in encrypted["reason"] and encrypted["outcome"] == "kept"
    assert unreadable["row"] == 3 and "pypdf cannot read it" in unreadable["reason"]
    ev = result.evidence.set_index("row")
    assert ev.loc[2, "file_status"] == "encrypted" and ev.loc[3, "file_status"] == "unreadable"
    assert ev["sha256"].notna().all() and ev["file_size"].notna().all() and ev["pdf_created"].isna().all()
    assert set(ev["origin"]) == {"both"}


def test_listed_hash_that_differs_from_the_file(tmp_path):
    content = pdf_bytes("D:20240922100000")
    (tmp_path / "job.pdf").write_bytes(content)
    row = f"10000001,L1,,job_offer,2024-09-22,,,,,job.pdf,{'0' * 64},"
    manifest = write(tmp_path / "manifest.csv", f"{HEADER}\n{row}\n")
    result = read_manifest(manifest, learners=LEARNERS)
    assert problem(result, "MAN_HASH_MISMATCH")["row"] == 2
    assert result.evidence.loc[0, "sha256"] == hashlib.sha256(content).hexdigest()


def test_uln_instead_of_learner_reference_and_a_uln_that_does_not_match(tmp_path):
    manifest = write(tmp_path / "manifest.csv", "\n".join([
        HEADER,
        "10000001,,1000000027,id_check,2024-04-20,,,,,,,",
        "10000001,L1,1000000027,id_check,2024-04-20,,,,,,,",
    ]) + "\n")
    result = read_manifest(manifest, learners=LEARNERS)
    assert list(result.evidence["learn_ref_number"]) == ["L2", "L1"]
    mismatch = problem(result, "MAN_ULN_MISMATCH")
    assert mismatch["row"] == 3 and mismatch["outcome"] == "kept"


def test_without_learners_nobody_is_unknown(tmp_path):
    manifest = write(tmp_path / "manifest.csv", f"{HEADER}\n10000009,Z1,,id_check,2024-04-20,,,,,,,\n")
    result = read_manifest(manifest)
    assert result.problems.empty and list(result.evidence["learn_ref_number"]) == ["Z1"]


def test_manifest_without_a_required_column_is_a_clear_error(tmp_path):
    manifest = write(tmp_path / "manifest.csv", "ukprn,learn_ref_number,document_date\n10000001,L1,2024-04-20\n")
    with pytest.raises(InputError, match=r"manifest\.csv: no column for evidence_type"):
        read_manifest(manifest)


def test_dates_are_read_in_the_usual_forms():
    dates, bad = parse_dates(pd.Series(["2024-05-01", "01/05/2024", "2024-05-01 10:30:00", "", "31/11/2024",
                                        "May 1st"]))
    assert list(dates[:3]) == [pd.Timestamp("2024-05-01")] * 3 and pd.isna(dates[3])
    assert list(bad) == [False, False, False, False, True, True]


# -- document folders ---------------------------------------------------------------------------------------------

def folder_case(tmp_path: Path) -> Path:
    root = tmp_path / "documents"
    (root / "10000001" / "L1").mkdir(parents=True)
    (root / "10000001" / "L1" / "job_offer__2024-09-22.pdf").write_bytes(pdf_bytes("D:20240922101500+01'00'"))
    (root / "10000001" / "L1" / "interview_offer__2024-07-31__scan.pdf").write_bytes(
        pdf_bytes("D:20240731090000", text="scan"))
    (root / "10000001" / "L1" / "attendance_record.pdf").write_bytes(pdf_bytes(None, text="undated"))
    (root / "10000001" / "L1" / "photo__2024-07-31.jpg").write_bytes(b"\xff\xd8 not a pdf")
    (root / "10000001" / "L7").mkdir()
    (root / "10000001" / "L7" / "id_check__2024-04-20.pdf").write_bytes(pdf_bytes(None, text="L7"))
    (root / "10000001" / "L1" / "id_check__2024-02-30.pdf").write_bytes(pdf_bytes(None, text="bad date"))
    (root / "stray.pdf").write_bytes(pdf_bytes(None, text="stray"))
    (root / "10000001" / "L1" / ".DS_Store").write_bytes(b"clutter")
    return root


def test_document_folder_gives_hash_size_and_pdf_metadata(tmp_path):
    root = folder_case(tmp_path)
    result = read_documents(root, learners=LEARNERS)
    ev = result.evidence.set_index("evidence_type")
    assert sorted(ev.index) == ["attendance_record", "interview_offer", "job_offer"]
    job = ev.loc["job_offer"]
    content = (root / "10000001" / "L1" / "job_offer__2024-09-22.pdf").read_bytes()
    assert job["sha256"] == hashlib.sha256(content).hexdigest() and job["file_size"] == len(content)
    assert job["pdf_created"] == pd.Timestamp("2024-09-22 10:15:00")  # local time as written in the PDF
    assert job["pdf_producer"] == "tests" and job["pdf_author"] == "Fixture Training Ltd" and job["pdf_pages"] == 1
    assert job["document_date"] == pd.Timestamp("2024-09-22") and job["origin"] == "folder"
    assert job["file"] == "10000001/L1/job_offer__2024-09-22.pdf" and pd.isna(job["row"])
    assert ev.loc["interview_offer", "document_date"] == pd.Timestamp("2024-07-31")
    assert pd.isna(ev.loc["attendance_record", "document_date"])  # the date may be left out of the name
    codes = dict(zip(result.problems["check_id"], result.problems["value"], strict=True))
    assert codes == {"DOC_BAD_PATH": "stray.pdf", "DOC_UNKNOWN_TYPE": "photo", "DOC_UNKNOWN_LEARNER": "L7",
                     "DOC_BAD_DATE": "2024-02-30"}
    assert result.problems["row"].isna().all()
    assert all(Path(f).is_file() for f in result.problems["file"])


def test_listed_files_present_in_the_folder_are_matched(tmp_path):
    root = folder_case(tmp_path)
    manifest = write(tmp_path / "manifest.csv", "\n".join([
        HEADER,
        "10000001,L1,,job_offer,2024-09-22,,Acme Data Ltd,,,documents/10000001/L1/job_offer__2024-09-22.pdf,,",
        "10000001,L1,,final_assessment,2024-07-24,,,,,,,",
    ]) + "\n")
    result = read_evidence(manifest, root, learners=LEARNERS)
    ev = result.evidence
    job = ev[ev["evidence_type"] == "job_offer"]
    assert len(job) == 1, job  # the file is the manifest row's, not a row of its own
    assert job.iloc[0]["origin"] == "both" and job.iloc[0]["employer"] == "Acme Data Ltd"
    assert job.iloc[0]["pdf_created"] == pd.Timestamp("2024-09-22 10:15:00") and job.iloc[0]["row"] == 2
    assert set(ev.loc[ev["origin"] == "folder", "evidence_type"]) == {"interview_offer", "attendance_record"}


# -- employer registers -------------------------------------------------------------------------------------------

REGISTER = """\
Employer ID,NAME,Size,Roles,Satisfaction,Date Contacted,Confirmed,Account Manager
900000001,Acme Data Ltd,SME,interview; co-design,4,2024-02-12,yes,AB
900000002,Big Co plc,Large,own staff,5,12/03/2024,Y,CD
900000003,Odd Ltd,huge,juggling,7,soon,perhaps,EF
900000001,Acme Again Ltd,sme,,,,,
,,,,,,,GH
"""


def test_employer_register_csv(tmp_path):
    result = read_employers(write(tmp_path / "employers.csv", REGISTER))
    emp = result.employers
    assert declared(emp, EMPLOYER_FIELDS) == [f.column for f in EMPLOYER_FIELDS]
    assert list(emp["employer_id"]) == ["900000001", "900000002", "900000003"]
    assert list(emp["size"])[:2] == ["sme", "large"] and pd.isna(emp.loc[2, "size"])
    assert list(emp["roles"])[:2] == ["co-design;interview", "own-staff"]
    assert list(emp["satisfaction"])[:2] == [4.0, 5.0] and pd.isna(emp.loc[2, "satisfaction"])
    assert emp.loc[1, "date_contacted"] == pd.Timestamp("2024-03-12") and emp.loc[1, "confirmed"] == "yes"
    assert list(emp["Account Manager"]) == ["AB", "CD", "EF"]
    got = set(zip(result.problems["check_id"], result.problems["column"], result.problems["row"], strict=True))
    assert got == {("REG_BAD_VALUE", "size", 4), ("REG_BAD_VALUE", "roles", 4), ("REG_BAD_VALUE", "satisfaction", 4),
                   ("REG_BAD_DATE", "date_contacted", 4), ("REG_BAD_VALUE", "confirmed", 4),
                   ("REG_DUPLICATE", "employer_id", 5), ("REG_NO_EMPLOYER", "name", 6)}
    assert (result.problems["file"] == str(tmp_path / "employers.csv")).all()
    EMPLOYERS.validate(emp)


def test_employer_register_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["employer_id", "name", "size", "roles", "satisfaction", "date_contacted", "confirmed"])
    sheet.append([900000001, "Acme Data Ltd", "sme", "interview", 4, dt.datetime(2024, 2, 12), "yes"])
    sheet.append([900000002, "Big Co plc", "large", "own-staff;delivery", 3.5, None, "no"])
    book.save(tmp_path / "register.xlsx")
    result = read_employers(tmp_path / "register.xlsx")
    assert result.problems.empty
    emp = result.employers
    assert list(emp["name"]) == ["Acme Data Ltd", "Big Co plc"] and list(emp["row"]) == [2, 3]
    assert emp.loc[0, "date_contacted"] == pd.Timestamp("2024-02-12") and emp.loc[1, "satisfaction"] == 3.5
    assert emp.loc[1, "roles"] == "delivery;own-staff"


def test_employer_names_compare_loosely():
    keys = employer_key(pd.Series(["Arden Mutual Insurance PLC.", "arden  mutual insurance plc", "Smith & Sons Limited",
                                   "SMITH AND SONS LTD", None]))
    assert keys[0] == keys[1] and keys[2] == keys[3] and pd.isna(keys[4])


def test_employer_ids_are_text_compared_without_whitespace_case_or_leading_zeros(tmp_path):
    text = ("employer_id,name,size\nE001,Acme Data Ltd,sme\n 0900000002 ,Big Co plc,large\n"
            "e001,Acme Again Ltd,sme\n900000002,Big Again plc,large\n,Nameless Ltd,sme\n")
    result = read_employers(write(tmp_path / "employers.csv", text))
    emp = result.employers
    assert list(emp["employer_id"].fillna("")) == ["E001", "0900000002", ""]
    assert list(emp["name"]) == ["Acme Data Ltd", "Big Co plc", "Nameless Ltd"]
    assert set(zip(result.problems["check_id"], result.problems["row"], strict=True)) == {
        ("REG_DUPLICATE", 4), ("REG_DUPLICATE", 5)}
    assert "the same employer as the one of row 2" in problem_of(result, 4)["reason"]
    keys = employer_id_key(pd.Series(["E001", " e 001", "000123", "123", "0", "", None, "123.0"], dtype="string"))
    assert list(keys.fillna("-")) == ["E001", "E001", "123", "123", "0", "-", "-", "123"]
    assert list(employer_id_key(pd.Series([123, None], dtype="Int64")).fillna("-")) == ["123", "-"]


def problem_of(result, row: int) -> pd.Series:
    return result.problems[result.problems["row"] == row].iloc[0]


def test_register_columns_are_matched_loosely_and_by_their_usual_other_names(tmp_path):
    text = ("Employer Ref,Employer Name,Company Size,Role,Satisfaction score,Contact date,Involvement confirmed\n"
            "900000001,Acme Data Ltd,SME,interview,4,2024-02-12,yes\n")
    result = read_employers(write(tmp_path / "register.csv", text))
    assert result.problems.empty and result.columns == REGISTER_COLUMNS
    row = result.employers.iloc[0]
    assert (row["employer_id"], row["name"], row["size"], row["roles"]) == ("900000001", "Acme Data Ltd", "sme",
                                                                            "interview")
    assert row["satisfaction"] == 4.0 and row["date_contacted"] == pd.Timestamp("2024-02-12")
    assert row["confirmed"] == "yes"
    bracketed = read_employers(write(tmp_path / "b.csv", "ID,Employer,Satisfaction (0-5)\nE7,Odd Ltd,3\n"))
    assert bracketed.columns == ("employer_id", "name", "satisfaction")
    assert bracketed.employers.iloc[0]["satisfaction"] == 3.0 and bracketed.employers.iloc[0]["employer_id"] == "E7"


def test_a_column_named_exactly_wins_over_an_alias(tmp_path):
    text = "employer,name,size\nBig Co plc,Acme Data Ltd,sme\n"
    emp = read_employers(write(tmp_path / "employers.csv", text)).employers
    assert emp.iloc[0]["name"] == "Acme Data Ltd" and emp.iloc[0]["employer"] == "Big Co plc"


def test_manifest_columns_by_their_usual_other_names(tmp_path):
    text = ("UKPRN,Learner Ref,Document Type,Date,Employer Name,Amount (£),File name\n"
            "10000001,L1,job_offer,2024-09-22,Acme Data Ltd,,\n")
    result = read_manifest(write(tmp_path / "tracker_manifest.csv", text))
    assert result.problems.empty
    row = result.evidence.iloc[0]
    assert (row["learn_ref_number"], row["evidence_type"], row["employer"]) == ("L1", "job_offer", "Acme Data Ltd")
    assert row["document_date"] == pd.Timestamp("2024-09-22")
    assert result.manifest_columns == frozenset({"ukprn", "learn_ref_number", "evidence_type", "document_date",
                                                 "employer", "amount", "file"})
