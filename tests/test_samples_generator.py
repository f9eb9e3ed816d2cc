"""The synthetic sample generator: deterministic, schema-valid, and its planted problems cover every check."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from auditkit.samples import generate_samples
from auditkit.samples.patterns import BURST_PRODUCER

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "samples"
SHARED = Path(__file__).resolve().parents[2] / "shared"
XSD = SHARED / "reference/ilr/ILR-2025-26.xsd"
RULES_SPEC = SHARED / "spec/rules-wmca-wave5.md"
RULE_IDS = (
    "W5_UKPRN_01", "W5_ULN_01", "W5_ULN_02", "W5_DOB_01", "W5_DOB_02", "W5_EMP_01", "W5_EMP_02", "W5_EMP_03",
    "W5_MAND_01", "W5_LLDD_01", "W5_PRIOR_01", "W5_PC_01", "W5_AIM_01", "W5_AIM_02", "W5_AIM_03", "W5_SOF_01",
    "W5_DAM_01", "W5_DAM_02", "W5_RES_01", "W5_RES_02", "W5_DATE_01", "W5_DATE_02", "W5_DATE_03", "W5_DATE_04",
    "W5_FFI_01", "W5_FFI_02", "W5_FFI_03", "W5_FFI_04", "W5_COMP_01", "W5_COMP_02", "W5_COMP_03", "W5_RESTART_01",
    "W5_GLH_01", "W5_M1_01", "W5_M2_01", "W5_M2_02", "W5_M2_03", "W5_M2_04", "W5_M2_05", "W5_M3_01", "W5_M3_02",
    "W5_M3_03", "W5_M3_04", "W5_M3_05", "W5_DP_01", "W5_DP_02", "W5_DP_03",
)
EVIDENCE_IDS = ("EV_MISSING_01", "EV_TIMING_01", "EV_TIMING_02", "EV_TIMING_03", "EV_TIMING_04", "EV_MONEY_01",
                "EV_MONEY_02", "EV_REUSE_01", "EV_EMP_01", "EV_EMP_02")
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    generate_samples(out)
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``root``."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".auditkit" not in p.relative_to(root).parts}  # a case's workpapers, not its data


def differences(left: dict[str, bytes], right: dict[str, bytes]) -> list[str]:
    names = sorted(set(left) | set(right))
    return [f"{n}: {'missing' if n not in left else 'extra' if n not in right else 'differs'}" for n in names
            if left.get(n) != right.get(n)]


def ilr_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every ILR file, zip members included."""
    for path in sorted((root / "ilr").rglob("*")):
        if path.suffix == ".xml":
            yield path.name, path.read_bytes()
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    yield f"{path.name}::{name}", archive.read(name)


def ilr_learners(root: Path) -> dict[tuple[str, str], set[str]]:
    """(ukprn, learn_ref_number) -> the ULNs recorded for that learner in any return."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, data in ilr_files(root):
        doc = etree.fromstring(data, SAFE)
        ukprn = doc.findtext("{*}LearningProvider/{*}UKPRN")
        for learner in doc.iterfind("{*}Learner"):
            out[(ukprn, learner.findtext("{*}LearnRefNumber"))].add(learner.findtext("{*}ULN"))
    return out


def planted(root: Path) -> list[dict[str, str]]:
    with open(root / "planted.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def uln_is_valid(uln: str) -> bool:
    """The ESFA ULN check digit (rule ULN_04), written out independently of the generator."""
    if not re.fullmatch(r"\d{10}", uln):
        return False
    remainder = sum(int(digit) * weight for digit, weight in zip(uln[:9], range(10, 1, -1), strict=True)) % 11
    return remainder != 0 and int(uln[9]) == 10 - remainder


def test_same_seed_same_bytes(generated: Path, tmp_path: Path) -> None:
    generate_samples(tmp_path / "again")
    assert differences(tree(generated), tree(tmp_path / "again")) == []


def test_generating_again_into_the_same_folder_replaces_it(tmp_path: Path) -> None:
    first = generate_samples(tmp_path)
    (tmp_path / "ilr" / "stale.xml").write_text("left over")
    second = generate_samples(tmp_path)
    assert first.files == second.files and "ilr/stale.xml" not in second.files


def test_refuses_a_foreign_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("precious")
    with pytest.raises(FileExistsError):
        generate_samples(tmp_path)


def test_shipped_samples_equal_a_fresh_generation(generated: Path) -> None:
    diff = differences(tree(generated), tree(SHIPPED))
    assert diff == [], "samples/ is out of date; regenerate it with `auditkit samples --out samples`:\n" + "\n".join(
        diff[:50])


def test_every_ilr_file_validates_against_the_xsd(generated: Path) -> None:
    if not XSD.is_file():
        pytest.skip(f"ESFA schema not found at {XSD} (the shared reference folder is not part of the project)")
    schema = etree.XMLSchema(etree.parse(str(XSD), SAFE))
    errors = []
    for name, data in ilr_files(generated):
        data = re.sub(rb'xmlns="ESFA/ILR/\d{4}-\d{2}"', b'xmlns="ESFA/ILR/2025-26"', data, count=1)
        doc = etree.fromstring(data, SAFE)
        for record in doc.findall("{ESFA/ILR/2025-26}LearnerDestinationandProgression"):
            doc.remove(record)
        doc.find("{*}Header/{*}CollectionDetails/{*}Year").text = "2526"
        if not schema.validate(doc):
            errors += [f"{name}:{e.line}: {e.message}" for e in schema.error_log]
    assert errors == []


def test_planted_covers_every_rule_and_evidence_check(generated: Path) -> None:
    rule_ids = RULE_IDS
    if RULES_SPEC.is_file():
        rule_ids = re.findall(r"^\| (W5_[A-Z0-9]+_\d+) \|", RULES_SPEC.read_text(encoding="utf-8"), flags=re.M)
        assert rule_ids, f"no rule ids found in {RULES_SPEC}"
    rows = planted(generated)
    assert set(rule_ids) <= {r["check_id"] for r in rows if r["kind"] == "rule"}
    assert set(EVIDENCE_IDS) <= {r["check_id"] for r in rows if r["kind"] == "evidence"}
    assert {r["kind"] for r in rows} == {"rule", "evidence", "pattern", "manifest"}


def test_planted_learners_are_in_the_returns_with_their_uln(generated: Path) -> None:
    learners = ilr_learners(generated)
    for row in planted(generated):
        if row["kind"] in ("rule", "evidence", "pattern") and row["learn_ref_number"]:  # not a provider pattern
            assert learners[(row["ukprn"], row["learn_ref_number"])] == {row["uln"]}, row


def test_ulns_are_valid_except_those_planted_invalid(generated: Path) -> None:
    invalid = {key for key, ulns in ilr_learners(generated).items() if not all(uln_is_valid(u) for u in ulns)}
    planted_invalid = {(r["ukprn"], r["learn_ref_number"]) for r in planted(generated)
                       if r["check_id"] in ("W5_ULN_01", "W5_ULN_02")}
    assert invalid == planted_invalid


def test_clean_learners_are_most_and_never_share_a_uln(generated: Path) -> None:
    learners = ilr_learners(generated)
    unclean = {(r["ukprn"], r["learn_ref_number"]) for r in planted(generated) if r["kind"] in ("rule", "evidence")}
    clean = {key: ulns for key, ulns in learners.items() if key not in unclean}
    assert len(clean) > 0.6 * len(learners)
    owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, ulns in clean.items():
        for uln in ulns:
            owners[uln].append(key)
    assert {uln: keys for uln, keys in owners.items() if len(keys) > 1} == {}
    markdown = (generated / "PLANTED.md").read_text(encoding="utf-8")
    assert f"## Clean learners ({len(clean)} of {len(learners)})" in markdown


def test_manifest_files_exist_and_match_their_hash_except_the_planted_missing_one(generated: Path) -> None:
    missing = {r["description"].split()[1] for r in planted(generated) if r["check_id"] == "MAN_MISSING_FILE"}
    with open(generated / "evidence/manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for line, row in enumerate(rows, start=2):
        if not row["file"]:
            continue
        path = generated / "evidence" / row["file"]
        if str(line) in missing:
            assert not path.exists()
        else:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], row


def test_documents_are_one_page_synthetic_pdfs_with_set_metadata(generated: Path) -> None:
    pdfs = sorted((generated / "evidence/documents").rglob("*.pdf"))
    assert pdfs and all(p.stat().st_size < 4000 for p in pdfs)
    for path in pdfs[:: max(1, len(pdfs) // 40)]:
        reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()), strict=True)
        assert len(reader.pages) == 1
        assert "SYNTHETIC SAMPLE" in reader.pages[0].extract_text()
        meta = reader.metadata
        assert meta.creation_date is not None and meta.author
        assert meta.producer in ("auditkit synthetic samples", BURST_PRODUCER)  # the PDF burst pattern's own tool


def test_the_pdf_burst_pattern_is_in_the_pdf_metadata(generated: Path) -> None:
    made = {}
    for path in sorted((generated / "evidence/documents/10090001").rglob("interview_offer*.pdf")):
        meta = pypdf.PdfReader(io.BytesIO(path.read_bytes()), strict=True).metadata
        if meta.producer == BURST_PRODUCER:
            made[path.parent.name] = meta.creation_date
    burst = {r["learn_ref_number"] for r in planted(generated) if r["check_id"] == "PAT_PDF_BURST"}
    assert set(made) == burst and len(burst) == 4
    assert (max(made.values()) - min(made.values())).total_seconds() <= 20 * 60


def test_case_folder_layout(generated: Path) -> None:
    names = set(tree(generated))
    assert {"README.md", "PLANTED.md", "planted.csv", "contracts.toml", "employers.csv",
            "evidence/manifest.csv"} <= names
    assert "ilr/foundry-lane-digital-2023-24.zip" in names
    pattern = re.compile(r"ilr/[a-z0-9-]+/ILR-\d{8}-\d{4}-\d{8}-\d{6}-\d{2}\.xml")
    assert sum(bool(pattern.fullmatch(n)) for n in names) >= 10
    assert "synthetic" in (generated / "README.md").read_text(encoding="utf-8").lower()
    assert sum(len(data) for data in tree(generated).values()) < 5_000_000


def test_sample_postcode_districts_agree_with_the_reference_table() -> None:
    from auditkit.reference.tables import postcode_districts
    from auditkit.samples.world import OUTSIDE_DISTRICTS, STRADDLING_DISTRICTS, WMCA_DISTRICTS

    status = dict(zip(postcode_districts()["district"], postcode_districts()["status"], strict=True))
    assert {status[d] for districts in WMCA_DISTRICTS.values() for d in districts} == {"inside"}
    assert {status[d] for d in STRADDLING_DISTRICTS} == {"straddling"}
    assert {status.get(d, "outside") for d in OUTSIDE_DISTRICTS} == {"outside"}
