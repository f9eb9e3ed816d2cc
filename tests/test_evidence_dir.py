"""``--evidence DIR`` (``open_case(evidence=DIR)``) finds the manifest, the documents folder and the employer
register in DIR by the conventions of a case folder; an explicit employer register still wins."""

from __future__ import annotations

from pathlib import Path

from auditkit import open_case
from auditkit.case.inputs import evidence_inputs
from auditkit.readers.discover import find_case
from tests.rules.case import write_case
from tests.test_evidence_checks import PREPARED, REGISTER, documents, learner, write_manifest, write_manifest_register


def _case(tmp_path: Path) -> tuple[Path, Path]:
    """An ILR case folder (no evidence in it) and, elsewhere, an evidence folder: manifest, documents, register.
    L1's interview offer is from an employer the register does not have."""
    case = write_case({**learner("L1", 1, m2=True), "other_learners": [learner("L2", 2, m2=True)],
                       "prepared": PREPARED}, tmp_path / "case")
    evidence = tmp_path / "pack"
    write_manifest(evidence / "tracker" / "evidence_manifest.csv",
                   documents("L1", m2=True, employer="Unknown Widgets Ltd") + documents("L2", m2=True))
    (evidence / "documents" / "10000001" / "L1").mkdir(parents=True)
    write_manifest_register(evidence / "registers" / "employers.csv", REGISTER)
    return case, evidence


def test_evidence_folder_gives_its_employer_register(tmp_path):
    case, evidence = _case(tmp_path)
    assert evidence_inputs(evidence) == (evidence / "tracker" / "evidence_manifest.csv", evidence / "documents",
                                         evidence / "registers" / "employers.csv")
    result = open_case([case], evidence=evidence, progress=False, rules=["EV_EMP_01"])
    assert result.files.employers == evidence / "registers" / "employers.csv"
    assert result.evidence is not None and result.evidence.employers is not None
    assert list(zip(result.findings["severity"], result.findings["learn_ref_number"], strict=True)) == [
        ("warning", "L1")]


def test_an_explicit_register_wins_over_the_evidence_folders(tmp_path):
    case, evidence = _case(tmp_path)
    other = tmp_path / "other_register.csv"
    write_manifest_register(other, [*REGISTER, {"employer_id": "E9", "name": "Unknown Widgets Ltd", "size": "sme",
                                                "roles": "interview"}])
    result = open_case([case], evidence=evidence, employers=other, progress=False, rules=["EV_EMP_01"])
    assert result.files.employers == other and result.findings.empty


def test_the_evidence_folders_register_wins_over_the_case_folders(tmp_path):
    case, evidence = _case(tmp_path)
    write_manifest_register(case / "employers.csv", [])  # an empty register in the case folder
    result = open_case([case], evidence=evidence, progress=False, rules=["EV_EMP_01"])
    assert result.files.employers == evidence / "registers" / "employers.csv"


def test_a_manifest_file_comes_with_the_register_beside_it(tmp_path):
    folder = tmp_path / "pack"
    write_manifest(folder / "manifest.csv", [])
    write_manifest_register(folder / "employer_register.csv", REGISTER)
    assert evidence_inputs(folder / "manifest.csv") == (folder / "manifest.csv", None,
                                                        folder / "employer_register.csv")


def test_a_document_is_never_taken_for_the_register_or_the_manifest(tmp_path):
    docs = tmp_path / "pack" / "documents" / "10000001" / "L1"
    docs.mkdir(parents=True)
    (docs / "employer_contribution_invoice__2024-04-05.csv").write_text("amount\n900\n", encoding="utf-8")
    (docs / "upload_manifest.csv").write_text("x\n1\n", encoding="utf-8")
    found = find_case([tmp_path / "pack"])
    assert found.employers is None and found.manifest is None and found.documents == tmp_path / "pack" / "documents"
    assert evidence_inputs(tmp_path / "pack" / "documents") == (None, tmp_path / "pack" / "documents", None)
