"""Each EV_* check on a small case: a learner that fails it and a learner that passes it.

A case is the fixtures' ILR case (``tests/rules/case.py``: provider 10000001, bootcamp Z0009501 starting
2024-05-01 and planned to end 2024-07-24, contract price £3,000) with more learners, a manifest listing each
learner's documents (complete and timely unless a test changes them), PDFs for some, and an employer register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfWriter

from auditkit import read_ilr
from auditkit.readers.contracts import read_contracts
from auditkit.readers.employers import read_employers
from auditkit.readers.evidence import MANIFEST_COLUMNS, read_evidence
from auditkit.reference.uln import check_digit
from auditkit.rules import RuleContext, get_rules, run_rules
from auditkit.rules.registry import FAMILIES
from tests.rules.case import UKPRN, evidence_pack, write_case

D = dt.date
START, END = D(2024, 5, 1), D(2024, 7, 24)
M2_DATE, M3_DATE = END + dt.timedelta(days=7), END + dt.timedelta(days=60)  # as tests/rules/case.py dates them
PREPARED = D(2024, 10, 7)
PRICE = 3000.0
REGISTER = [
    {"employer_id": "900000001", "name": "Acme Data Ltd", "size": "sme", "roles": "interview"},
    {"employer_id": "900000002", "name": "Big Co plc", "size": "large", "roles": "own-staff"},
    {"employer_id": "900000003", "name": "Small Co Ltd", "size": "sme", "roles": "own-staff"},
]
EV_IDS = [r.id for r in get_rules() if r.family == "evidence"]


def uln(n: int) -> str:
    """A valid ULN for learner number ``n``."""
    first = f"{100000000 + 7 * n:09d}"
    while check_digit(first) is None:
        first = f"{int(first) + 1:09d}"
    return first + str(check_digit(first))


def learner(lrn: str, n: int, *, m2: bool = False, m3: bool = False, cofunded: str | None = None,
            employer_id: int | None = None) -> dict[str, Any]:
    """A learner mapping for write_case: completed bootcamp (with M2 / M3 aims when asked); co-funded with PSM
    ``cofunded`` (e.g. ``Contribution 30``) and the employer ``employer_id`` at the start."""
    spec: dict[str, Any] = {"learner": {"LearnRefNumber": lrn, "ULN": uln(n)}, "bootcamp": {"completed": True}}
    if cofunded is not None:
        spec["learner"]["LearnerEmploymentStatus"] = [{
            "EmpStat": 10, "DateEmpStatApp": D(2024, 3, 1), "EmpId": employer_id,
            "EmploymentStatusMonitoring": [{"ESMType": "EII", "ESMCode": 8}]}]
        spec["bootcamp"]["LearningDeliveryFAM"] = [
            {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "2"},
            {"LearnDelFAMType": "DAM", "LearnDelFAMCode": "023"}]
        spec["bootcamp"]["ProviderSpecDeliveryMonitoring"] = [
            {"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": cofunded},
            {"ProvSpecDelMonOccur": "B", "ProvSpecDelMon": "WMCA1.4"}]
    if m2:
        spec["m2"] = {}
    if m3:
        spec["m3"] = {}
    return spec


def documents(lrn: str, *, m2: bool = False, m3: bool = False, ltype: str = "independent",
              employer: str = "Acme Data Ltd", rate: int = 30) -> list[dict[str, Any]]:
    """The complete, timely documents of a learner built by :func:`learner` (the rule cases' evidence pack)."""
    return evidence_pack(lrn, {"type": ltype, "employer": employer, "rate": rate, "m2": m2, "m3": m3})


def pdf_bytes(created: str | None = None, *, text: str = "", password: str | None = None) -> bytes:
    """A one-page PDF with a creation date (``D:YYYYMMDDHHmmSS``); ``text`` makes distinct files."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    meta = {"/Producer": "tests", "/Author": "Fixture Training Ltd", "/Title": text or "document"}
    if created:
        meta |= {"/CreationDate": created, "/ModDate": created}
    writer.add_metadata(meta)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_manifest(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = MANIFEST_COLUMNS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _cell(row.get(c)) for c in columns})


def _cell(value: Any) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


def run_ev(tmp_path: Path, learners: list[dict[str, Any]], docs: list[dict[str, Any]],
           files: dict[int, bytes] | None = None, register: list[dict[str, str]] | None = None,
           rule_ids: list[str] | None = None, manifest_columns: tuple[str, ...] = MANIFEST_COLUMNS,
           register_columns: tuple[str, ...] = ("employer_id", "name", "size", "roles")) -> pd.DataFrame:
    """Write the case (first learner as the main one), the manifest (``files``: row index -> PDF bytes, written
    under documents/ and listed; ``manifest_columns``: its columns) and the register (``register_columns``); run
    the EV checks; return their findings."""
    case = {**learners[0], "other_learners": learners[1:], "prepared": PREPARED}
    folder = write_case(case, tmp_path / "case")
    rows = [dict(d) for d in docs]
    for i, content in (files or {}).items():
        name = f"documents/{UKPRN}/{rows[i]['learn_ref_number']}/{rows[i]['evidence_type']}__{i}.pdf"
        (folder / "evidence" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "evidence" / name).write_bytes(content)
        rows[i]["file"] = name
    write_manifest(folder / "evidence" / "manifest.csv", rows, manifest_columns)
    write_manifest_register(folder / "employers.csv", REGISTER if register is None else register, register_columns)
    data = read_ilr(folder, progress=False)
    evidence = read_evidence(folder / "evidence" / "manifest.csv", learners=data.learners)
    assert evidence.problems.empty, evidence.problems.to_string()
    reg = read_employers(folder / "employers.csv")
    evidence = evidence.with_employers(reg.employers, reg.problems, columns=reg.columns, source=reg.source)
    ctx = RuleContext(data, read_contracts(folder / "contracts.toml"), evidence=evidence)
    for rule in get_rules(rule_ids or EV_IDS):  # no finding without a message (before the runner's fallback)
        raw = rule.func(ctx)
        if raw is not None and len(raw):
            assert (raw["message"].astype("string").fillna("").str.strip() != "").all(), raw.to_string()
    return run_rules(ctx, rule_ids or EV_IDS)


def write_manifest_register(path: Path, rows: list[dict[str, str]],
                            columns: tuple[str, ...] = ("employer_id", "name", "size", "roles")) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def learners_with(findings: pd.DataFrame, rule_id: str) -> list[str]:
    return sorted(findings.loc[findings["rule_id"] == rule_id, "learn_ref_number"])


def edit(docs: list[dict[str, Any]], lrn: str, kind: str, **values: Any) -> None:
    """Change the documents of learner ``lrn`` of type ``kind``."""
    for d in docs:
        if d["learn_ref_number"] == lrn and d["evidence_type"] == kind:
            d.update(values)


def drop(docs: list[dict[str, Any]], lrn: str, evidence_type: str) -> list[dict[str, Any]]:
    return [d for d in docs if not (d["learn_ref_number"] == lrn and d["evidence_type"] == evidence_type)]


# -- the clean case -----------------------------------------------------------------------------------------------

def test_complete_timely_evidence_gives_no_finding(tmp_path):
    learners = [learner("L1", 1, m2=True, m3=True), learner("L2", 2, cofunded="Contribution 30", employer_id=900000002,
                                                               m2=True, m3=True)]
    docs = documents("L1", m2=True, m3=True) + documents("L2", m2=True, m3=True, ltype="co-funded",
                                                         employer="Big Co plc")
    findings = run_ev(tmp_path, learners, docs)
    assert findings.empty, findings.to_string()


def test_evidence_checks_are_registered_with_their_own_ids():
    ids = {r.id: r for r in get_rules() if r.family == "evidence"}
    assert set(ids) == {"EV_MISSING_01", "EV_TIMING_01", "EV_TIMING_02", "EV_TIMING_03", "EV_TIMING_04",
                        "EV_MONEY_01", "EV_MONEY_02", "EV_REUSE_01", "EV_EMP_01", "EV_EMP_02"}
    assert "evidence" in FAMILIES
    assert {r.severity for r in ids.values()} <= {"no-pay", "error", "warning"}
    assert ids["EV_MISSING_01"].severity == "no-pay" and ids["EV_TIMING_04"].severity == "warning"


def test_without_evidence_the_checks_find_nothing(tmp_path):
    from tests.rules.case import run_case

    findings = run_case({"bootcamp": {"completed": True}, "m2": {}, "prepared": PREPARED}, tmp_path, EV_IDS)
    assert findings.empty


# -- EV_MISSING_01 ----------------------------------------------------------------------------------------------

def test_missing_interview_offer_for_m2(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    docs = drop(documents("L1", m2=True), "L1", "interview_offer") + documents("L2", m2=True)
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_MISSING_01"])
    assert learners_with(findings, "EV_MISSING_01") == ["L1"]
    row = findings.iloc[0]
    assert row["severity"] == "no-pay" and row["field"] == "evidence_type" and row["value"] == "interview_offer"
    assert "Milestone 2 (aim 2, dated 2024-07-31) claimed without interview offer" in row["message"]
    assert pd.isna(row["aim_seq_number"]) and row["uln"] == uln(1)


def test_missing_evidence_of_milestone_1_is_one_finding_listing_each_document(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 30", employer_id=900000002), learner("L2", 2)]
    docs = documents("L1", ltype="co-funded", employer="Big Co plc")
    docs = drop(drop(docs, "L1", "id_check"), "L1", "employer_contribution_payment") + documents("L2")
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_MISSING_01"])
    assert learners_with(findings, "EV_MISSING_01") == ["L1"]
    assert findings.iloc[0]["value"] == "id_check, employer_contribution_payment"
    assert "Milestone 1" in findings.iloc[0]["message"]


def test_co_funded_m2_accepts_an_interview_offer_and_m3_needs_a_new_role_offer(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 30", employer_id=900000002, m2=True, m3=True),
                learner("L2", 2, cofunded="Contribution 30", employer_id=900000002, m2=True, m3=True)]
    l1 = documents("L1", m2=True, m3=True, ltype="co-funded", employer="Big Co plc")
    edit(l1, "L1", "new_role_offer", evidence_type="job_offer")  # the wrong type for a co-funded learner
    l2 = documents("L2", m2=True, m3=True, ltype="co-funded", employer="Big Co plc")
    edit(l2, "L2", "new_responsibilities_letter", evidence_type="interview_offer")  # serves for M2
    findings = run_ev(tmp_path, learners, l1 + l2, rule_ids=["EV_MISSING_01"])
    assert learners_with(findings, "EV_MISSING_01") == ["L1"]
    assert findings.iloc[0]["value"] == "new_role_offer"


def test_learner_without_any_evidence_is_not_checked(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    findings = run_ev(tmp_path, learners, documents("L1", m2=True), rule_ids=["EV_MISSING_01"])
    assert findings.empty


# -- EV_TIMING_01 ------------------------------------------------------------------------------------------------

def test_interview_offer_dated_after_the_m2_claim(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    docs = documents("L1", m2=True) + documents("L2", m2=True)
    edit(docs, "L1", "interview_offer", document_date=M2_DATE + dt.timedelta(days=5))
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_TIMING_01"])
    assert learners_with(findings, "EV_TIMING_01") == ["L1"]
    row = findings.iloc[0]
    assert row["severity"] == "error" and row["field"] == "document_date" and row["value"] == "2024-08-05"
    assert "after the Milestone 2 (aim 2, dated 2024-07-31)" in row["message"]


# -- EV_TIMING_02 ------------------------------------------------------------------------------------------------

def test_id_check_dated_after_the_start(tmp_path):
    learners = [learner("L1", 1), learner("L2", 2)]
    docs = documents("L1") + documents("L2")
    edit(docs, "L1", "id_check", document_date=START + dt.timedelta(days=3))
    edit(docs, "L2", "id_check", document_date=START)  # on the start date: fine
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_TIMING_02"])
    assert learners_with(findings, "EV_TIMING_02") == ["L1"]
    assert findings.iloc[0]["value"] == "2024-05-04" and "3 days after the bootcamp Z0009501 started" in \
        findings.iloc[0]["message"]


def test_a_document_dated_after_the_start_is_a_finding_even_with_a_timely_earlier_one(tmp_path):
    """A re-signed enrolment form (an earlier one is timely) must still be looked at; L2's only copy is timely."""
    learners = [learner("L1", 1), learner("L2", 2)]
    docs = documents("L1") + documents("L2") + [{"ukprn": UKPRN, "learn_ref_number": "L1",
                                                 "evidence_type": "enrolment_form",
                                                 "document_date": START + dt.timedelta(days=30)}]
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_TIMING_02"])
    assert learners_with(findings, "EV_TIMING_02") == ["L1"]
    row = findings.iloc[0]
    assert row["value"] == "2024-05-31" and "30 days after the bootcamp Z0009501 started" in row["message"]
    assert "an earlier enrolment form is dated 2024-04-20" in row["message"]
    assert row["source"].endswith("manifest.csv:" + str(len(docs) + 1))  # the late copy's row, not the first's


def test_every_late_copy_is_its_own_finding(tmp_path):
    docs = documents("L1") + [{"ukprn": UKPRN, "learn_ref_number": "L1", "evidence_type": "id_check",
                               "document_date": START + dt.timedelta(days=d)} for d in (5, 9)]
    findings = run_ev(tmp_path, [learner("L1", 1)], docs, rule_ids=["EV_TIMING_02"])
    assert sorted(findings["value"]) == ["2024-05-06", "2024-05-10"]


# -- EV_TIMING_03 ------------------------------------------------------------------------------------------------

def test_job_offer_more_than_six_months_after_the_end(tmp_path):
    learners = [learner("L1", 1, m2=True, m3=True), learner("L2", 2, m2=True, m3=True)]
    docs = documents("L1", m2=True, m3=True) + documents("L2", m2=True, m3=True)
    edit(docs, "L1", "job_offer", document_date=D(2025, 1, 25))  # end 2024-07-24 + 6 months = 2025-01-24
    edit(docs, "L2", "job_offer", document_date=D(2025, 1, 24))
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_TIMING_03"])
    assert learners_with(findings, "EV_TIMING_03") == ["L1"]
    row = findings.iloc[0]
    assert row["severity"] == "no-pay" and row["value"] == "2025-01-25" and "by 2025-01-24" in row["message"]


# -- EV_TIMING_04 ------------------------------------------------------------------------------------------------

def test_pdf_created_after_the_claim_it_supports(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    l1, l2 = documents("L1", m2=True), documents("L2", m2=True)
    docs = l1 + l2
    offer_1 = next(i for i, d in enumerate(docs) if d["learn_ref_number"] == "L1" and d["evidence_type"]
                   == "interview_offer")
    offer_2 = next(i for i, d in enumerate(docs) if d["learn_ref_number"] == "L2" and d["evidence_type"]
                   == "interview_offer")
    files = {offer_1: pdf_bytes("D:20240803101500+01'00'", text="L1"),  # 3 days after the M2 date (2024-07-31)
             offer_2: pdf_bytes("D:20240731183000", text="L2")}  # the same calendar day: not after
    findings = run_ev(tmp_path, learners, docs, files=files, rule_ids=["EV_TIMING_04"])
    assert learners_with(findings, "EV_TIMING_04") == ["L1"]
    row = findings.iloc[0]
    assert row["severity"] == "warning" and row["field"] == "pdf_created" and row["value"] == "2024-08-03 10:15"


def test_a_document_dated_after_its_claim_is_timing_01_not_04(tmp_path):
    docs = documents("L1", m2=True)
    edit(docs, "L1", "interview_offer", document_date=M2_DATE + dt.timedelta(days=4))
    offer = next(i for i, d in enumerate(docs) if d["evidence_type"] == "interview_offer")
    findings = run_ev(tmp_path, [learner("L1", 1, m2=True)], docs, files={offer: pdf_bytes("D:20240804090000")},
                      rule_ids=["EV_TIMING_01", "EV_TIMING_04"])
    assert list(findings["rule_id"]) == ["EV_TIMING_01"]


# -- EV_MONEY_01 -------------------------------------------------------------------------------------------------

def test_contribution_payment_not_rate_times_price(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 30", employer_id=900000002),
                learner("L2", 2, cofunded="Contribution 30", employer_id=900000002)]
    docs = (documents("L1", ltype="co-funded", employer="Big Co plc")
            + documents("L2", ltype="co-funded", employer="Big Co plc"))
    edit(docs, "L1", "employer_contribution_payment", amount="450.00")  # half of 30% x £3,000
    edit(docs, "L2", "employer_contribution_payment", amount="£900.99")  # within £1
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_MONEY_01"])
    assert learners_with(findings, "EV_MONEY_01") == ["L1"]
    row = findings.iloc[0]
    assert row["field"] == "amount" and row["value"] == "450.00" and "= £900.00" in row["message"]


def test_contribution_amount_is_not_evaluated_without_a_contract(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 30", employer_id=900000002) | {"contract": None}]
    docs = documents("L1", ltype="co-funded", employer="Big Co plc")
    edit(docs, "L1", "employer_contribution_payment", amount="1.00")
    case = {**learners[0], "prepared": PREPARED}
    folder = write_case(case, tmp_path / "case")
    write_manifest(folder / "manifest.csv", docs)
    data = read_ilr(folder, progress=False)
    ctx = RuleContext(data, None, evidence=read_evidence(folder / "manifest.csv", learners=data.learners))
    findings = run_rules(ctx, ["EV_MONEY_01"])
    assert list(findings["severity"]) == ["not-evaluated"] and findings["learn_ref_number"].isna().all()
    assert "no contracts file was given" in findings.iloc[0]["message"]


# -- EV_MONEY_02 -------------------------------------------------------------------------------------------------

def test_contribution_rate_not_matching_employer_size(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 10", employer_id=900000002),  # large: should be 30
                learner("L2", 2, cofunded="Contribution 10", employer_id=900000003)]  # SME: 10 is right
    docs = (documents("L1", ltype="co-funded", employer="Big Co plc", rate=10)
            + documents("L2", ltype="co-funded", employer="Small Co Ltd", rate=10))
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_MONEY_02"])
    assert learners_with(findings, "EV_MONEY_02") == ["L1"]
    row = findings.iloc[0]
    assert row["field"] == "PSM" and row["value"] == "Contribution 10" and "should be 30%" in row["message"]


def test_employer_size_found_from_the_invoice_when_no_emp_id(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 10"), learner("L2", 2, cofunded="Contribution 10")]
    docs = (documents("L1", ltype="co-funded", employer="BIG CO PLC.", rate=10)
            + documents("L2", ltype="co-funded", employer="Small Co Limited", rate=10))
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_MONEY_02"])
    assert learners_with(findings, "EV_MONEY_02") == ["L1"]
    assert "named on the employer contribution" in findings.iloc[0]["message"]


# -- EV_REUSE_01 -------------------------------------------------------------------------------------------------

def test_same_file_attached_to_two_learners(tmp_path):
    learners = [learner(f"L{n}", n, m2=True, m3=True) for n in (1, 2, 3)]
    docs = documents("L1", m2=True, m3=True) + documents("L2", m2=True, m3=True) + documents("L3", m2=True, m3=True)
    offers = [i for i, d in enumerate(docs) if d["evidence_type"] == "job_offer"]
    letter = pdf_bytes("D:20240922100000", text="one letter")
    files = {offers[0]: letter, offers[1]: letter, offers[2]: pdf_bytes("D:20240922100000", text="another")}
    findings = run_ev(tmp_path, learners, docs, files=files, rule_ids=["EV_REUSE_01"])
    assert learners_with(findings, "EV_REUSE_01") == ["L1", "L2"]
    assert "10000001/L2 (job offer)" in findings.iloc[0]["message"]
    assert findings.iloc[0]["source"].endswith("manifest.csv:" + str(offers[0] + 2))


# -- EV_EMP_01 ---------------------------------------------------------------------------------------------------

def test_offer_from_an_employer_not_in_the_register(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    docs = documents("L1", m2=True, employer="Unknown Widgets Ltd") + documents("L2", m2=True,
                                                                                employer="ACME DATA LIMITED")
    findings = run_ev(tmp_path, learners, docs, rule_ids=["EV_EMP_01"])
    assert learners_with(findings, "EV_EMP_01") == ["L1"]
    assert findings.iloc[0]["value"] == "Unknown Widgets Ltd" and findings.iloc[0]["severity"] == "warning"


def test_employer_checks_need_the_register(tmp_path):
    docs = documents("L1", m2=True, employer="Unknown Widgets Ltd")
    case = {**learner("L1", 1, m2=True), "prepared": PREPARED}
    folder = write_case(case, tmp_path / "case")
    write_manifest(folder / "manifest.csv", docs)
    data = read_ilr(folder, progress=False)
    ctx = RuleContext(data, read_contracts(folder / "contracts.toml"),
                      evidence=read_evidence(folder / "manifest.csv", learners=data.learners))
    findings = run_rules(ctx, ["EV_EMP_01", "EV_MONEY_02"])
    assert list(findings["rule_id"]) == ["EV_EMP_01"] and list(findings["severity"]) == ["not-evaluated"]
    assert "no employer register was given" in findings.iloc[0]["message"]


# -- EV_EMP_02 ---------------------------------------------------------------------------------------------------

def test_independent_learner_hired_by_the_provider_or_by_a_co_funder(tmp_path):
    learners = [learner("L1", 1, m2=True, m3=True), learner("L2", 2, m2=True, m3=True),
                learner("L3", 3, cofunded="Contribution 30", employer_id=900000002, m2=True, m3=True),
                learner("L4", 4, m2=True, m3=True)]
    docs = (documents("L1", m2=True, m3=True) + documents("L2", m2=True, m3=True)
            + documents("L3", m2=True, m3=True, ltype="co-funded", employer="Big Co plc")
            + documents("L4", m2=True, m3=True))
    edit(docs, "L1", "job_offer", employer="Fixture Training Ltd")  # the provider (its contract name)
    edit(docs, "L2", "job_offer", employer="Big Co plc")  # co-funds L3's place
    register = [*REGISTER, {"employer_id": "900000009", "name": "Fixture Training Ltd", "size": "sme", "roles": ""}]
    findings = run_ev(tmp_path, learners, docs, register=register, rule_ids=["EV_EMP_02"])
    assert learners_with(findings, "EV_EMP_02") == ["L1", "L2"]
    messages = dict(zip(findings["learn_ref_number"], findings["message"], strict=True))
    assert "the provider itself" in messages["L1"]
    assert "co-funded the place of 10000001/L3" in messages["L2"]


@pytest.mark.parametrize("rule_id", EV_IDS)
def test_every_check_has_auditor_documentation(rule_id):
    (r,) = get_rules([rule_id])
    for heading in ("What it checks", "Why it matters", "Example"):
        assert r.section(heading), f"{rule_id} lacks {heading}"


# -- employer ids are text; an empty id joins nothing --------------------------------------------------------------

def test_text_employer_ids_and_empty_ids_join_nothing(tmp_path):
    """E001 is a register id like any other; ILR EmpId 900000002 is the register's ``0900000002``; L3 (co-funded,
    no EmpId) and the register's rows without an id must not be paired, so L3 is not "co-funded by" Acme (no
    EV_MONEY_02 for L3, no EV_EMP_02 for L1, hired by Acme)."""
    register = [{"employer_id": "E001", "name": "Acme Data Ltd", "size": "large", "roles": "interview"},
                {"employer_id": "", "name": "Nameless Works Ltd", "size": "large", "roles": ""},
                {"employer_id": " 0900000002 ", "name": "Big Co plc", "size": "large", "roles": "own-staff"},
                {"employer_id": "900000003", "name": "Small Co Ltd", "size": "sme", "roles": "own-staff"}]
    learners = [learner("L1", 1, m2=True, m3=True),
                learner("L2", 2, cofunded="Contribution 10", employer_id=900000002),  # large: should be 30
                learner("L3", 3, cofunded="Contribution 10", employer_id=None)]  # invoices name the SME
    docs = (documents("L1", m2=True, m3=True) + documents("L2", ltype="co-funded", employer="Big Co plc", rate=10)
            + documents("L3", ltype="co-funded", employer="Small Co Ltd", rate=10))
    findings = run_ev(tmp_path, learners, docs, register=register)
    assert findings[["rule_id", "learn_ref_number"]].values.tolist() == [["EV_MONEY_02", "L2"]], findings.to_string()
    assert "Big Co plc (EmpId 900000002)" in findings.iloc[0]["message"]


def test_an_offer_naming_a_text_employer_id_is_registered(tmp_path):
    register = [{"employer_id": "E001", "name": "Acme Data Ltd", "size": "sme", "roles": "interview"}]
    docs = documents("L1", m2=True, employer="e001") + documents("L2", m2=True, employer="E002")
    findings = run_ev(tmp_path, [learner("L1", 1, m2=True), learner("L2", 2, m2=True)], docs, register=register,
                      rule_ids=["EV_EMP_01"])
    assert learners_with(findings, "EV_EMP_01") == ["L2"]


def test_money_02_message_names_an_employer_without_a_name(tmp_path):
    """A register row with an id and a size but no name still gives a message (it was empty)."""
    register = [{"employer_id": "900000002", "name": "", "size": "large", "roles": ""}]
    learners = [learner("L1", 1, cofunded="Contribution 10", employer_id=900000002)]
    findings = run_ev(tmp_path, learners, documents("L1", ltype="co-funded", employer="", rate=10),
                      register=register, rule_ids=["EV_MONEY_02"])
    assert len(findings) == 1
    assert "employer with id 900000002 (no name in the register) (EmpId 900000002)" in findings.iloc[0]["message"]


# -- a column a check needs that the manifest or register lacks: not evaluated, with the reason --------------------

NOT_EVALUATED = "not-evaluated"


def _by_rule(findings: pd.DataFrame) -> dict[str, list[str]]:
    return {r: list(g["severity"]) for r, g in findings.groupby("rule_id")}


def test_manifest_without_file_column_makes_reuse_and_pdf_checks_not_evaluated(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    columns = tuple(c for c in MANIFEST_COLUMNS if c not in ("file", "sha256"))
    findings = run_ev(tmp_path, learners, documents("L1", m2=True) + documents("L2", m2=True),
                      manifest_columns=columns, rule_ids=["EV_REUSE_01", "EV_TIMING_04"])
    assert _by_rule(findings) == {"EV_REUSE_01": [NOT_EVALUATED], "EV_TIMING_04": [NOT_EVALUATED]}
    messages = dict(zip(findings["rule_id"], findings["message"], strict=True))
    assert "manifest.csv has no file column and no document folder was given" in messages["EV_TIMING_04"]
    assert "nor a sha256 column" in messages["EV_REUSE_01"]
    assert findings["learn_ref_number"].isna().all() and (findings["ukprn"] == UKPRN).all()


def test_manifest_with_sha256_but_no_file_still_checks_reuse(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    docs = documents("L1", m2=True) + documents("L2", m2=True)
    for d in docs:
        if d["evidence_type"] == "interview_offer":
            d["sha256"] = "ab" * 32
    columns = tuple(c for c in MANIFEST_COLUMNS if c != "file")
    findings = run_ev(tmp_path, learners, docs, manifest_columns=columns, rule_ids=["EV_REUSE_01"])
    assert learners_with(findings, "EV_REUSE_01") == ["L1", "L2"]
    assert set(findings["severity"]) == {"error"}


def test_manifest_without_employer_column_makes_employer_checks_not_evaluated(tmp_path):
    learners = [learner("L1", 1, m2=True, m3=True)]
    columns = tuple(c for c in MANIFEST_COLUMNS if c != "employer")
    findings = run_ev(tmp_path, learners, documents("L1", m2=True, m3=True, employer="Unknown Widgets Ltd"),
                      manifest_columns=columns, rule_ids=["EV_EMP_01", "EV_EMP_02"])
    assert _by_rule(findings) == {"EV_EMP_01": [NOT_EVALUATED], "EV_EMP_02": [NOT_EVALUATED]}
    assert all("manifest.csv has no employer column" in m for m in findings["message"])


def test_manifest_without_amount_column_makes_contribution_amount_not_evaluated(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 30", employer_id=900000002)]
    columns = tuple(c for c in MANIFEST_COLUMNS if c != "amount")
    findings = run_ev(tmp_path, learners, documents("L1", ltype="co-funded", employer="Big Co plc"),
                      manifest_columns=columns, rule_ids=["EV_MONEY_01"])
    assert _by_rule(findings) == {"EV_MONEY_01": [NOT_EVALUATED]}
    assert "has no amount column" in findings.iloc[0]["message"]


def test_register_without_name_column_is_not_evaluated_rather_than_every_employer_unregistered(tmp_path):
    learners = [learner("L1", 1, m2=True), learner("L2", 2, m2=True)]
    docs = documents("L1", m2=True) + documents("L2", m2=True, employer="Unknown Widgets Ltd")
    findings = run_ev(tmp_path, learners, docs, register_columns=("employer_id", "size", "roles"),
                      rule_ids=["EV_EMP_01"])
    assert _by_rule(findings) == {"EV_EMP_01": [NOT_EVALUATED]}
    assert "employers.csv has no name column" in findings.iloc[0]["message"]


def test_register_without_size_column_makes_rate_check_not_evaluated(tmp_path):
    learners = [learner("L1", 1, cofunded="Contribution 10", employer_id=900000002)]
    findings = run_ev(tmp_path, learners, documents("L1", ltype="co-funded", employer="Big Co plc", rate=10),
                      register_columns=("employer_id", "name", "roles"), rule_ids=["EV_MONEY_02"])
    assert _by_rule(findings) == {"EV_MONEY_02": [NOT_EVALUATED]}
    assert "has no size column" in findings.iloc[0]["message"]


def test_register_without_id_column_says_the_rate_check_ran_only_partly(tmp_path):
    """L1's employer is known only by EmpId (its invoices name no employer); L2's invoices name a large one."""
    learners = [learner("L1", 1, cofunded="Contribution 10", employer_id=900000002),
                learner("L2", 2, cofunded="Contribution 10", employer_id=900000002)]
    docs = (documents("L1", ltype="co-funded", employer="", rate=10)
            + documents("L2", ltype="co-funded", employer="Big Co plc", rate=10))
    findings = run_ev(tmp_path, learners, docs, register_columns=("name", "size", "roles"), rule_ids=["EV_MONEY_02"])
    assert sorted(zip(findings["severity"], findings["learn_ref_number"].fillna(""), strict=True)) == [
        ("error", "L2"), (NOT_EVALUATED, "")]
    note = findings[findings["severity"] == NOT_EVALUATED].iloc[0]["message"]
    assert note.startswith("EV_MONEY_02 only partly evaluated: ") and "has no employer_id column" in note


def test_register_without_name_column_says_emp_02_ran_only_partly(tmp_path):
    learners = [learner("L1", 1, m2=True, m3=True),
                learner("L2", 2, cofunded="Contribution 30", employer_id=900000002, m2=True, m3=True)]
    docs = (documents("L1", m2=True, m3=True, employer="Big Co plc")
            + documents("L2", m2=True, m3=True, ltype="co-funded", employer=""))
    full = run_ev(tmp_path / "full", learners, docs, rule_ids=["EV_EMP_02"])
    assert learners_with(full, "EV_EMP_02") == ["L1"]  # Big Co plc co-funds L2 (by EmpId)
    partly = run_ev(tmp_path / "partly", learners, docs, register_columns=("employer_id", "size", "roles"),
                    rule_ids=["EV_EMP_02"])
    assert list(partly["severity"]) == [NOT_EVALUATED]
    assert "only partly evaluated" in partly.iloc[0]["message"] and "no name column" in partly.iloc[0]["message"]
