"""Hostile evidence inputs: XLSX bombs, CSV encodings, PDFs pypdf chokes on, unreadable files."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from auditkit.readers import evidence as evidence_module
from auditkit.readers.discover import InputError
from auditkit.readers.employers import read_employers
from auditkit.readers.evidence import MANIFEST_COLUMNS, read_documents, read_evidence, read_manifest, read_table
from tests.hostile import corpus
from tests.test_evidence_checks import pdf_bytes

HEADER = ",".join(MANIFEST_COLUMNS)
TEXT = HEADER + "\n10000001,L1,,job_offer,2024-09-22,,Zoë Café Ltd,£350.00,,,,\n"


def test_the_issues_xlsx_bomb_is_refused_before_it_is_expanded(inputs, monkeypatch):
    path = corpus.xlsx_bomb(inputs / "manifest.xlsx")

    def never(*a, **kw):
        raise AssertionError("openpyxl was asked to open the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(InputError) as info:
        read_manifest(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the workbook expands to 2.4 GB, over the limit of 256.0 MB")
    assert "AUDITKIT_MAX_XLSX_BYTES" in message


def test_xlsx_ratio_and_override(inputs, monkeypatch):
    path = inputs / "manifest.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ukprn", "learn_ref_number", "evidence_type", "document_date"])
    book.active.append([10000001, "L1", "job_offer", "2024-09-22"])
    book.save(path)
    assert len(read_manifest(path).evidence) == 1  # an ordinary workbook is read
    monkeypatch.setenv("AUDITKIT_MAX_XLSX_BYTES", "1K")
    with pytest.raises(InputError, match="over the limit of 1.0 kB .*AUDITKIT_MAX_XLSX_BYTES"):
        read_manifest(path)
    monkeypatch.delenv("AUDITKIT_MAX_XLSX_BYTES")
    padded = corpus.write_zip(inputs / "padded.xlsx", [corpus.bomb("xl/worksheets/sheet1.xml", b"<worksheet>",
                                                                   b" " * corpus.MIB, b"</worksheet>", 50)])
    with pytest.raises(InputError, match=r"part xl/worksheets/sheet1.xml expands to 50.0 MB .* over the limit of "
                                         r"200 times"):
        read_table(padded)
    (inputs / "broken.xlsx").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(InputError, match="cannot be read as an XLSX workbook"):
        read_table(inputs / "broken.xlsx")


ENCODINGS = {  # how the bytes are written -> the note expected (None: the encoding is known, nothing to say)
    "utf-8": None, "utf-8-sig": None, "utf-16": None, "utf-16-be-bom": None, "utf-32": None,
    "utf-16-le": "read as UTF-16-LE", "cp1252": "read as Windows-1252",
}


def encoded(text: str, how: str) -> bytes:
    if how == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(how)


@pytest.mark.parametrize("how", list(ENCODINGS))
def test_csv_manifest_encodings_are_decoded(inputs, how):
    path = inputs / "manifest.csv"
    path.write_bytes(encoded(TEXT, how))
    result = read_manifest(path)
    row = result.evidence.iloc[0]
    assert row["employer"] == "Zoë Café Ltd" and row["amount"] == 350.0 and row["evidence_type"] == "job_offer"
    notes = result.problems[result.problems["check_id"] == "MAN_ENCODING"]
    if ENCODINGS[how] is None:
        assert notes.empty
    else:
        [reason] = notes["reason"]
        assert ENCODINGS[how] in reason and (notes["file"] == str(path)).all() and (notes["outcome"] == "kept").all()


def test_ascii_utf_16_without_a_bom_is_not_read_as_utf_8_with_nuls(inputs):
    path = inputs / "manifest.csv"
    path.write_bytes(TEXT.replace("Zoë Café", "Acme").replace("£", "").encode("utf-16-be"))
    result = read_manifest(path)
    assert result.evidence["employer"].tolist() == ["Acme Ltd"]
    assert "UTF-16-BE" in result.problems.loc[result.problems["check_id"] == "MAN_ENCODING", "reason"].iloc[0]


def test_bytes_no_encoding_explains_are_read_as_latin_1_and_said(inputs):
    path = inputs / "employers.csv"
    path.write_bytes("name,employer_id\nAcme \x81 Ltd,E1\n".encode("latin-1"))  # 0x81: undefined in cp1252
    register = read_employers(path)
    assert register.employers["name"].tolist() == ["Acme \x81 Ltd"]
    [reason] = register.problems.loc[register.problems["check_id"] == "REG_ENCODING", "reason"]
    assert "Latin-1" in reason


def test_a_bad_bom_is_a_clear_error(inputs):
    path = inputs / "manifest.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + b"a")  # odd length
    with pytest.raises(InputError, match="UTF-16 byte order mark but cannot be read as UTF-16"):
        read_manifest(path)


def pdf_case(inputs: Path) -> tuple[Path, dict[str, Path]]:
    learner = inputs / "documents" / "10000001" / "L1"
    learner.mkdir(parents=True)
    (learner / "job_offer__2024-09-22.pdf").write_bytes(pdf_bytes("D:20240922100000", text="good"))
    bad = {}
    for i, (kind, data) in enumerate(corpus.bad_pdfs().items()):
        bad[kind] = learner / f"attendance_record__2024-10-{i + 1:02d}__{kind}.pdf"
        bad[kind].write_bytes(data)
    return inputs / "documents", bad


def test_pdfs_pypdf_chokes_on_are_problems_and_the_rest_loads(inputs):
    docs, bad = pdf_case(inputs)
    result = read_documents(docs)
    ev = result.evidence.set_index("file")
    good = ev.loc["10000001/L1/job_offer__2024-09-22.pdf"]
    assert good["file_status"] == "present" and good["pdf_pages"] == 1
    problems = result.problems[result.problems["check_id"] == "DOC_UNREADABLE_PDF"]
    status = {str(path): ev.loc[str(path.relative_to(docs)), "file_status"] for path in bad.values()}
    read_anyway = {str(bad[k]) for k in corpus.PDFS_SOME_PYPDF_READ if status[str(bad[k])] == "present"}
    assert sorted(problems["document"]) == sorted(set(status) - read_anyway)
    assert problems["reason"].str.contains("pypdf cannot read it").all()
    assert all(v == "unreadable" for k, v in status.items() if k not in read_anyway)
    assert ev["sha256"].notna().all()  # hashed anyway: the bytes are the evidence


def test_an_unreadable_document_or_manifest_is_a_problem_not_a_traceback(inputs, monkeypatch):
    docs, _ = pdf_case(inputs)
    locked = docs / "10000001" / "L1" / "job_offer__2024-09-22.pdf"
    manifest = inputs / "manifest.csv"
    manifest.write_text(HEADER + "\n10000001,L1,,job_offer,2024-09-22,,,,,documents/10000001/L1/"
                        "job_offer__2024-09-22.pdf,,\n")
    real_open = open

    def no_permission(file, *a, **kw):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(evidence_module, "open", no_permission, raising=False)
    result = read_evidence(manifest, docs)
    row = result.evidence.set_index("row").loc[2]
    assert row["file_status"] == "unreadable" and row["path"] == str(locked)
    [reason] = result.problems.loc[result.problems["check_id"] == "MAN_UNREADABLE_FILE", "reason"]
    assert reason == "file documents/10000001/L1/job_offer__2024-09-22.pdf: cannot be read (Permission denied)"
    assert len(result.evidence) == 1 + len(corpus.bad_pdfs())  # the other documents load

    real_read = Path.read_bytes

    def locked_manifest(self):
        if self == manifest:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", locked_manifest)
    with pytest.raises(InputError, match=f"{manifest}: cannot be read \\(Permission denied\\)"):
        read_manifest(manifest)
