"""Nothing outside the given folders is opened: manifest paths with ``..`` or absolute, symbolic links out of the
document folder or an ILR folder, broken and looping links. Each is a reported problem; the rest loads."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from auditkit.readers.discover import find_case
from auditkit.readers.evidence import MANIFEST_COLUMNS, read_documents, read_evidence
from auditkit.readers.ilr import ILRFileError, read_ilr
from auditkit.readers.paths import unsafe_name, walk
from tests.hostile import corpus
from tests.test_evidence_checks import pdf_bytes

HEADER = ",".join(MANIFEST_COLUMNS)
DOC = "documents/10000001/L1/job_offer__2024-09-22.pdf"


def manifest_row(file: str, etype: str = "job_offer") -> str:
    return f"10000001,L1,,{etype},2024-09-22,,,,,{file},,"


def evidence_case(inputs: Path) -> Path:
    """inputs/evidence with documents/10000001/L1/job_offer__2024-09-22.pdf (a good document)."""
    doc = inputs / "evidence" / DOC
    doc.parent.mkdir(parents=True)
    doc.write_bytes(pdf_bytes("D:20240922100000", text="good"))
    return inputs / "evidence"


def write_manifest(folder: Path, files: list[str]) -> Path:
    path = folder / "manifest.csv"
    path.write_text("\n".join([HEADER, *map(manifest_row, files)]) + "\n", encoding="utf-8")
    return path


def test_manifest_paths_out_of_the_folders_are_problems_and_not_present(inputs, outside):
    evidence = evidence_case(inputs)
    secret = outside / "secret.pdf"
    files = [DOC, "/etc/passwd", str(secret), "../../outside/secret.pdf", "documents/../../../outside/secret.pdf",
             "..\\..\\outside\\secret.pdf", "C:\\Windows\\win.ini", "\\\\server\\share\\x.pdf"]
    manifest = write_manifest(evidence, files)
    result = read_evidence(manifest, evidence / "documents")
    ev = result.evidence.set_index("row")
    assert ev.loc[2, "file_status"] == "present" and ev.loc[2, "origin"] == "both"
    outside_rows = list(range(3, 3 + len(files) - 1))
    assert (ev.loc[outside_rows, "file_status"] == "missing").all()
    assert ev.loc[outside_rows, "path"].isna().all() and ev.loc[outside_rows, "sha256"].isna().all()
    problems = result.problems[result.problems["check_id"] == "MAN_OUTSIDE_PATH"].set_index("row")
    assert sorted(problems.index) == outside_rows and (problems["file"] == str(manifest)).all()
    assert (problems["outcome"] == "kept").all()
    assert "is an absolute path" in problems.loc[3, "reason"] and "/etc/passwd" in problems.loc[3, "reason"]
    assert "has a '..' part" in problems.loc[5, "reason"] and "not opened" in problems.loc[5, "reason"]
    assert "is an absolute path" in problems.loc[9, "reason"]  # C:\ ...
    assert not (result.problems["check_id"] == "MAN_MISSING_FILE").any()  # refused, not reported twice
    secret_hash = hashlib.sha256(secret.read_bytes()).hexdigest()
    assert secret_hash not in set(result.evidence["sha256"].dropna())
    assert not result.evidence["path"].dropna().str.contains("outside|passwd").any()


def test_a_listed_symlink_out_of_the_folder_is_refused(inputs, outside):
    evidence = evidence_case(inputs)
    (evidence / "offer.pdf").symlink_to(outside / "secret.pdf")
    (evidence / "documents" / "10000001" / "L1" / "link.pdf").symlink_to(outside / "secret.pdf")
    manifest = write_manifest(evidence, [DOC, "offer.pdf", "documents/10000001/L1/link.pdf"])
    result = read_evidence(manifest, evidence / "documents")
    ev = result.evidence.set_index("row")
    assert ev.loc[2, "file_status"] == "present" and (ev.loc[[3, 4], "file_status"] == "missing").all()
    refused = result.problems[result.problems["check_id"] == "MAN_OUTSIDE_PATH"].set_index("row")
    assert sorted(refused.index) == [3, 4]
    assert "is a symbolic link out of the folder" in refused.loc[3, "reason"]
    links = result.problems[result.problems["check_id"] == "DOC_SYMLINK"]
    assert links["value"].tolist() == ["10000001/L1/link.pdf"]  # the folder scan reports the link too


def test_symlinks_in_the_document_folder(inputs, outside):
    docs = evidence_case(inputs) / "documents"
    learner = docs / "10000001" / "L1"
    (learner / "id_check__2024-01-02.pdf").symlink_to(outside / "secret.pdf")  # out: refused
    (learner / "iag_record__2024-01-03.pdf").symlink_to(outside / "gone.pdf")  # broken
    (learner / "enrolment_form__2024-01-04.pdf").symlink_to(learner / "enrolment_form__2024-01-04.pdf")  # self loop
    (learner / "a.pdf").symlink_to(learner / "b.pdf")
    (learner / "b.pdf").symlink_to(learner / "a.pdf")  # a loop of two
    (docs / "10000001" / "L2").symlink_to(outside, target_is_directory=True)  # a folder out
    (learner / "job_offer__2024-09-23.pdf").symlink_to(learner / "job_offer__2024-09-22.pdf")  # inside: read
    result = read_documents(docs)
    ev = result.evidence
    assert sorted(ev["file"]) == ["10000001/L1/job_offer__2024-09-22.pdf", "10000001/L1/job_offer__2024-09-23.pdf"]
    assert (ev["file_status"] == "present").all()
    links = result.problems[result.problems["check_id"] == "DOC_SYMLINK"].set_index("value")
    assert sorted(links.index) == ["10000001/L1/a.pdf", "10000001/L1/b.pdf",
                                   "10000001/L1/enrolment_form__2024-01-04.pdf",
                                   "10000001/L1/iag_record__2024-01-03.pdf", "10000001/L1/id_check__2024-01-02.pdf",
                                   "10000001/L2"]
    assert "outside the folder" in links.loc["10000001/L1/id_check__2024-01-02.pdf", "reason"]
    assert "outside the folder" in links.loc["10000001/L2", "reason"]
    assert "broken symbolic link" in links.loc["10000001/L1/iag_record__2024-01-03.pdf", "reason"]
    assert "symbolic link loop" in links.loc["10000001/L1/a.pdf", "reason"]
    assert "symbolic link loop" in links.loc["10000001/L1/enrolment_form__2024-01-04.pdf", "reason"]
    assert (links["outcome"] == "dropped").all() and links["file"].str.startswith(str(docs)).all()
    assert not ev["path"].str.contains("outside").any()


def test_symlinks_in_an_ilr_folder(inputs, outside):
    (inputs / "ILR-10000001-2425-20241205-090000-01.xml").write_bytes(corpus.ilr(["G1"]))
    (inputs / "ILR-10000009-2425-20241205-090000-01.xml").symlink_to(outside / "ILR-secret.xml")
    (inputs / "ILR-broken.xml").symlink_to(outside / "ILR-gone.xml")
    (inputs / "ILR-loop.xml").symlink_to(inputs / "ILR-loop.xml")
    (inputs / "returns.zip").symlink_to(outside / "returns.zip")  # broken, and would be outside
    (inputs / "more").symlink_to(outside, target_is_directory=True)  # outside folder: ILR-secret.xml not reached
    (inputs / "notes.txt").symlink_to(outside / "secret.txt")  # not an ILR name: not read, not reported
    data = read_ilr(inputs, progress=False, errors="report")
    assert data.learners["learn_ref_number"].tolist() == ["G1"]
    by_file = dict(zip(data.problems["file"], data.problems["message"], strict=True))
    assert sorted(Path(f).name for f in by_file) == ["ILR-10000009-2425-20241205-090000-01.xml", "ILR-broken.xml",
                                                     "ILR-loop.xml", "returns.zip"]
    assert "outside the folder" in by_file[str(inputs / "ILR-10000009-2425-20241205-090000-01.xml")]
    assert "broken symbolic link" in by_file[str(inputs / "ILR-broken.xml")]
    assert "symbolic link loop" in by_file[str(inputs / "ILR-loop.xml")]
    with pytest.raises(ILRFileError, match="symbolic link"):
        read_ilr(inputs, progress=False)


def test_case_folder_links_out_are_not_taken_as_case_files(inputs, outside):
    (outside / "documents").mkdir()
    (outside / "manifest.csv").write_text(HEADER + "\n")
    (inputs / "documents").symlink_to(outside / "documents", target_is_directory=True)
    (inputs / "manifest.csv").symlink_to(outside / "manifest.csv")
    (inputs / "contracts.toml").symlink_to(outside / "secret.txt")
    case = find_case([inputs])
    assert case.documents is None and case.manifest is None and case.contracts is None
    assert sorted(s.path.name for s in case.skipped) == ["contracts.toml", "documents", "manifest.csv"]


def test_walk_returns_files_in_rglob_order_and_unsafe_names():
    assert unsafe_name("documents/a.pdf") is None and unsafe_name("a..b.pdf") is None
    assert unsafe_name("/etc/passwd") and unsafe_name("c:/x") and unsafe_name("a/../../b") and unsafe_name("a\x00")


def test_walk_order_matches_rglob(tmp_path):
    for rel in ["b/2.txt", "a/1.txt", "a/b/c.txt", "a.txt", "z/y/x.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    files, skipped = walk(tmp_path)
    assert files == sorted(p for p in tmp_path.rglob("*") if p.is_file()) and skipped == []
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")  # not a regular file: never opened (it would block)
        assert tmp_path / "fifo" not in walk(tmp_path)[0]
