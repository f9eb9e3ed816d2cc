"""Build a small ILR case (files + contracts) from a YAML rule fixture case, and run rules on it.

A case starts from one clean learner (``L1``, ULN 1000000019) on one clean bootcamp aim (``Z0009501``,
AimSeqNumber 1) at provider 10000001, in a 2023-24 return prepared on 2024-06-05, with a contract that
allocates the aim. Keys of a case (all optional):

- ``learner``: overrides merged into the learner (``null`` removes an element);
- ``bootcamp``: overrides merged into the bootcamp aim; ``completed: true`` first makes it completed and
  achieved on its planned end date;
- ``m2`` / ``m3``: add a valid M2 / M3 aim for the bootcamp (dates, CompStatus 2, Outcome 1, PSM naming
  the bootcamp), with overrides; ``deliveries``: extra deliveries, given in full;
- ``other_learners``: more learners in the same return, each a mapping with the same keys
  (``learner``, ``bootcamp``, ``m2``, ``m3``, ``deliveries``);
- ``extra_returns``: more returns, each with ``ukprn``, ``year``, ``prepared`` and ``learners`` (a list of
  mappings as above);
- ``contract``: overrides merged into the contract (``null``: no contracts file at all); ``contract_aim``:
  overrides merged into the allocated aim; ``extra_aims``: more allocated aims; ``contract_aims``: the
  allocated aims given in full instead (``[]``: none); ``extra_contracts``: more ``[[contract]]`` tables;
- ``postcode_directory``: a mapping postcode -> local authority district code, loaded as the exact
  postcode directory (default: none, residency by postcode district);
- ``prepared`` / ``year``: the main return's preparation date and ILR year;
- ``destinations``: LearnerDestinationandProgression records of the main return.
- ``allow_reader_problems``: ``true`` lets the reader report problems (for a case that leaves out an element
  the XSD requires, such as ``Sex``); otherwise any reader problem fails the case.
- ``no_bootcamp``: the learner has no bootcamp aim; ``header_ukprn``: the return header's UKPRN;
  ``all_returns``: every snapshot in scope.

Evidence (for the EV_* rules; a case with ``evidence_pack`` or ``evidence`` has a manifest, and is read with it):

- ``evidence_pack``: learner reference -> options (``m2``, ``m3``: their documents too; ``type``:
  ``independent`` or ``co-funded``; ``employer`` named on letters and contributions, default ``Acme Data Ltd``;
  ``rate``: the contribution invoiced and paid, in percent of the contract price, default 30): the learner's
  complete, timely documents as manifest rows (:func:`evidence_pack`);
- ``evidence_changes``: changes to those rows, each naming ``learn_ref_number`` (default L1) and
  ``evidence_type``, then manifest columns (or ``pdf_created``) to set, or ``drop: true`` to remove the rows;
- ``evidence``: more manifest rows, given in full (``ukprn`` defaults to the provider, ``learn_ref_number`` to
  L1); ``pdf_created: D:YYYYMMDDHHmmSS`` on a row writes a PDF with that creation date as the row's file;
- ``employers``: the employer register's rows (default: no register).

``expect`` (what a ``fail_`` case's finding says): ``learn_ref_number``, ``count``, ``aim_seq_number``,
``field``, ``value``, ``severity``, ``message_contains``. Any other key, anywhere in a case, fails it
(:func:`check_keys`), naming the key.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from auditkit.readers.employers import REGISTER_COLUMNS
from auditkit.readers.evidence import MANIFEST_COLUMNS
from auditkit.writers.ilr import ilr_file_name, write_ilr

D = dt.date
UKPRN = 10000001
BOOTCAMP = "Z0009501"

BASE_LEARNER: dict[str, Any] = {
    "LearnRefNumber": "L1", "ULN": "1000000019", "FamilyName": "Sample", "GivenNames": "Alex",
    "DateOfBirth": D(1990, 5, 1), "Ethnicity": 31, "Sex": "F", "LLDDHealthProb": 2, "NINumber": "QQ123456C",
    "PlanLearnHours": 360, "PostcodePrior": "B15 2TT", "Postcode": "B15 2TT",
    "PriorAttain": [{"PriorLevel": 3, "DateLevelApp": D(2010, 7, 1)}],
    "LearnerEmploymentStatus": [{"EmpStat": 11, "DateEmpStatApp": D(2024, 3, 1),
                                 "EmploymentStatusMonitoring": [{"ESMType": "LOU", "ESMCode": 1}]}],
}
BASE_BOOTCAMP: dict[str, Any] = {
    "LearnAimRef": BOOTCAMP, "AimType": 4, "AimSeqNumber": 1, "LearnStartDate": D(2024, 5, 1),
    "LearnPlanEndDate": D(2024, 7, 24), "FundModel": 35, "DelLocPostCode": "B1 1AA", "LSDPostcode": "B15 2TT",
    "CompStatus": 1,
    "LearningDeliveryFAM": [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"},
                            {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"},
                            {"LearnDelFAMType": "DAM", "LearnDelFAMCode": "023"}],
}
BASE_CONTRACT: dict[str, Any] = {
    "ukprn": UKPRN, "provider": "Fixture Training Ltd",
    "start_window": ["2024-04-01", "2025-03-31"], "planned_end_window": ["2024-04-01", "2025-07-31"],
}
BASE_AIM: dict[str, Any] = {"lars": BOOTCAMP, "title": "Web Development (Coding)", "weeks": 12,
                            "mode": "full-time", "price": 3000.0}


LEARNER_SPEC_KEYS = frozenset({"learner", "bootcamp", "m2", "m3", "deliveries", "no_bootcamp"})
CASE_KEYS = LEARNER_SPEC_KEYS | {
    "other_learners", "extra_returns", "contract", "contract_aim", "extra_aims", "contract_aims", "extra_contracts",
    "postcode_directory", "prepared", "year", "destinations", "allow_reader_problems", "header_ukprn",
    "all_returns", "expect", "evidence_pack", "evidence_changes", "evidence", "employers"}
RETURN_KEYS = frozenset({"ukprn", "year", "prepared", "learners", "destinations", "header_ukprn"})
EXPECT_KEYS = frozenset({"learn_ref_number", "count", "aim_seq_number", "field", "value", "severity",
                         "message_contains"})
PACK_KEYS = frozenset({"m2", "m3", "type", "employer", "rate"})
ROW_KEYS = frozenset(MANIFEST_COLUMNS) | {"pdf_created"}
CHANGE_KEYS = frozenset(MANIFEST_COLUMNS) | {"drop", "pdf_created"}


def _unknown(mapping: Any, known: frozenset[str], where: str) -> None:
    if not isinstance(mapping, dict):
        raise ValueError(f"{where}: expected a mapping, got {mapping!r}")
    unknown = [k for k in mapping if k not in known]
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(repr(k) for k in unknown)}; known keys: "
                         f"{', '.join(sorted(known))}")


def check_keys(case: dict[str, Any]) -> None:
    """Raise ValueError naming any key of ``case`` (or of its learners, returns, evidence and ``expect``) that
    :mod:`tests.rules.case` does not know: a misspelt key would otherwise be silently ignored."""
    _unknown(case, CASE_KEYS, "case")
    for i, other in enumerate(case.get("other_learners") or []):
        _unknown(other, LEARNER_SPEC_KEYS, f"case other_learners[{i}]")
    for i, extra in enumerate(case.get("extra_returns") or []):
        _unknown(extra, RETURN_KEYS, f"case extra_returns[{i}]")
        for j, other in enumerate(extra.get("learners") or []):
            _unknown(other, LEARNER_SPEC_KEYS, f"case extra_returns[{i}] learners[{j}]")
    _unknown(case.get("expect") or {}, EXPECT_KEYS, "case expect")
    for lrn, options in (case.get("evidence_pack") or {}).items():
        _unknown(options or {}, PACK_KEYS, f"case evidence_pack {lrn}")
    for i, change in enumerate(case.get("evidence_changes") or []):
        _unknown(change, CHANGE_KEYS, f"case evidence_changes[{i}]")
    for i, row in enumerate(case.get("evidence") or []):
        _unknown(row, ROW_KEYS, f"case evidence[{i}]")
    for i, row in enumerate(case.get("employers") or []):
        _unknown(row, frozenset(REGISTER_COLUMNS), f"case employers[{i}]")


def merge(base: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``base`` with ``overrides`` applied; a None value removes the key."""
    out = copy.deepcopy(base)
    for key, value in (overrides or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def milestone(ref: str, seq: int, day: dt.date, bootcamp: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    base = {
        "LearnAimRef": ref, "AimType": 4, "AimSeqNumber": seq, "LearnStartDate": day, "LearnPlanEndDate": day,
        "FundModel": 35, "DelLocPostCode": "B1 1AA", "CompStatus": 2, "LearnActEndDate": day, "Outcome": 1,
        "LearningDeliveryFAM": [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"},
                                {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "1"}],
        "ProviderSpecDeliveryMonitoring": [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": bootcamp}],
    }
    return merge(base, overrides)


def build_learner(spec: dict[str, Any]) -> dict[str, Any]:
    """One learner from a case mapping (learner, bootcamp, m2, m3, deliveries)."""
    learner = merge(BASE_LEARNER, spec.get("learner"))
    bootcamp = copy.deepcopy(BASE_BOOTCAMP)
    overrides = dict(spec.get("bootcamp") or {})
    if overrides.pop("completed", False):
        end = overrides.get("LearnPlanEndDate", bootcamp["LearnPlanEndDate"])
        bootcamp.update({"CompStatus": 2, "LearnActEndDate": end, "Outcome": 1,
                         "ProviderSpecDeliveryMonitoring": [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "WMCA1.3"}]})
    bootcamp = merge(bootcamp, overrides)
    deliveries = [] if spec.get("no_bootcamp") else [bootcamp]
    ref = bootcamp.get("LearnAimRef", BOOTCAMP)
    end = bootcamp.get("LearnActEndDate") or bootcamp.get("LearnPlanEndDate")
    if "m2" in spec:
        deliveries.append(milestone("Z0010211", 2, end + dt.timedelta(days=7), ref, spec["m2"]))
    if "m3" in spec:
        deliveries.append(milestone("Z0010212", 3, end + dt.timedelta(days=60), ref, spec["m3"]))
    deliveries += copy.deepcopy(spec.get("deliveries") or [])
    learner["LearningDelivery"] = deliveries
    return learner


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return f'"{value.isoformat()}"'
    return str(value)


def contracts_toml(contracts: list[dict[str, Any]]) -> str:
    """TOML text for contracts given as mappings with an ``aims`` list."""
    lines: list[str] = []
    for c in contracts:
        lines.append("[[contract]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in c.items() if k != "aims"]
        for aim in c.get("aims", []):
            lines.append("[[contract.aim]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in aim.items()]
        lines.append("")
    return "\n".join(lines)


def write_case(case: dict[str, Any], folder: Path) -> Path:
    """Write the case's ILR files (and contracts.toml) into ``folder``; returns the folder."""
    check_keys(case)
    folder.mkdir(parents=True, exist_ok=True)
    prepared = case.get("prepared", D(2024, 6, 5))
    year = case.get("year", "2023-24")
    learners = [build_learner(case)] + [build_learner(o) for o in case.get("other_learners", [])]
    returns = [{"ukprn": UKPRN, "year": year, "prepared": prepared, "learners": learners,
                "destinations": case.get("destinations", []), "header_ukprn": case.get("header_ukprn")}]
    for extra in case.get("extra_returns", []):
        returns.append({**extra, "learners": [build_learner(s) for s in extra.get("learners", [])]})
    for r in returns:
        when = dt.datetime.combine(r["prepared"], dt.time(9, 0))
        write_ilr(folder / ilr_file_name(r["ukprn"], r["year"], when), ukprn=r["ukprn"], year=r["year"],
                  file_preparation_date=r["prepared"], learners=r["learners"],
                  destinations=r.get("destinations", []), header_ukprn=r.get("header_ukprn"))
    if "contract" not in case or case["contract"] is not None:
        contract = merge(BASE_CONTRACT, case.get("contract"))
        if "contract_aims" in case:  # the allocated aims given in full (an empty list: none allocated)
            contract["aims"] = copy.deepcopy(case["contract_aims"] or [])
        else:
            contract["aims"] = [merge(BASE_AIM, case.get("contract_aim"))] + case.get("extra_aims", [])
        (folder / "contracts.toml").write_text(contracts_toml([contract, *case.get("extra_contracts", [])]))
    return folder


def run_case(case: dict[str, Any], folder: Path, rule_ids: list[str] | None = None):
    """Write the case and run the rules on it; returns the findings frame."""
    from auditkit.rules import run_rules

    return run_rules(case_context(case, folder), rule_ids)


def case_context(case: dict[str, Any], folder: Path):
    """Write the case; returns the :class:`~auditkit.rules.RuleContext` the rules run on."""
    from auditkit import read_ilr
    from auditkit.readers.contracts import read_contracts
    from auditkit.rules import RuleContext

    write_case(case, folder)
    data = read_ilr(folder, progress=False)
    if not case.get("allow_reader_problems"):  # a case may break the XSD on purpose (a required element left out)
        assert data.problems.empty, data.problems.to_string()
    contracts_file = folder / "contracts.toml"
    contracts = read_contracts(contracts_file) if contracts_file.exists() else None
    directory = None
    if case.get("postcode_directory") is not None:  # postcode -> LAD code, as read_postcode_directory gives
        import pandas as pd

        directory = pd.Series(case["postcode_directory"], dtype="string")
    return RuleContext(data, contracts, all_returns=case.get("all_returns", False), postcode_directory=directory,
                       evidence=case_evidence(case, folder, data.learners))


# -- evidence ------------------------------------------------------------------------------------------------

PRICE = BASE_AIM["price"]
ELIGIBILITY_DOCUMENTS = ("enrolment_form", "id_check", "residency_proof", "employment_status_declaration",
                         "iag_record", "initial_assessment")
OWN_LETTERS = {"independent": ("interview_offer", "job_offer"),
               "co-funded": ("new_responsibilities_letter", "new_role_offer")}


def evidence_pack(lrn: str, options: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The complete, timely documents of learner ``lrn`` on the base bootcamp (started 2024-05-01, planned to
    end 2024-07-24; its M2 and M3 dated as :func:`build_learner` dates them), as manifest rows."""
    options = options or {}
    start, end = BASE_BOOTCAMP["LearnStartDate"], BASE_BOOTCAMP["LearnPlanEndDate"]
    ltype, employer = options.get("type", "independent"), options.get("employer", "Acme Data Ltd")
    docs: list[dict[str, Any]] = [{"evidence_type": t, "document_date": D(2024, 4, 20)} for t in ELIGIBILITY_DOCUMENTS]
    docs += [{"evidence_type": "attendance_record", "document_date": start + dt.timedelta(days=14)},
             {"evidence_type": "final_assessment", "document_date": end},
             {"evidence_type": "certificate_of_achievement", "document_date": end}]
    if ltype == "co-funded":
        amount = f"{options.get('rate', 30) * PRICE / 100:.2f}"
        docs += [{"evidence_type": "employer_contribution_invoice", "document_date": D(2024, 4, 5),
                  "employer": employer, "amount": amount},
                 {"evidence_type": "employer_contribution_payment", "document_date": D(2024, 4, 15),
                  "employer": employer, "amount": amount}]
    m2_letter, m3_letter = OWN_LETTERS[ltype]
    if options.get("m2"):
        docs.append({"evidence_type": m2_letter, "document_date": end + dt.timedelta(days=7), "employer": employer})
    if options.get("m3"):
        docs.append({"evidence_type": m3_letter, "document_date": end + dt.timedelta(days=60), "employer": employer})
    return [{"ukprn": UKPRN, "learn_ref_number": lrn, **d} for d in docs]


def evidence_rows(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest rows of a case: its packs with their changes, then its ``evidence`` rows."""
    rows = [r for lrn, options in (case.get("evidence_pack") or {}).items() for r in evidence_pack(str(lrn), options)]
    for change in case.get("evidence_changes") or []:
        change = dict(change)
        lrn, kind, drop = change.pop("learn_ref_number", "L1"), change.pop("evidence_type"), change.pop("drop", False)
        hit = [r for r in rows if r["learn_ref_number"] == lrn and r["evidence_type"] == kind]
        if not hit:
            raise ValueError(f"evidence_changes: learner {lrn} has no {kind} in its evidence_pack")
        rows = [r for r in rows if not (drop and r in hit)]
        for r in hit:
            r.update(change)
    return rows + [{"ukprn": UKPRN, "learn_ref_number": "L1", **r} for r in case.get("evidence") or []]


def _pdf(created: str, name: str) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Producer": "tests", "/Title": name, "/CreationDate": created, "/ModDate": created})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


def case_evidence(case: dict[str, Any], folder: Path, learners: Any):
    """The case's evidence (manifest and employer register written under ``folder``, then read), or None for a
    case without ``evidence_pack`` or ``evidence``."""
    import csv

    from auditkit.readers.employers import read_employers
    from auditkit.readers.evidence import read_evidence

    if "evidence_pack" not in case and "evidence" not in case:
        return None
    rows = evidence_rows(case)
    for i, row in enumerate(rows):
        created = row.pop("pdf_created", None)
        if created is not None:
            name = f"documents/{row['ukprn']}/{row['learn_ref_number']}/{row['evidence_type']}__{i}.pdf"
            (folder / "evidence" / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / "evidence" / name).write_bytes(_pdf(str(created), name))
            row["file"] = name
    manifest = folder / "evidence" / "manifest.csv"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(MANIFEST_COLUMNS))
        writer.writeheader()
        writer.writerows({c: _cell(r.get(c)) for c in MANIFEST_COLUMNS} for r in rows)
    evidence = read_evidence(manifest, learners=learners)
    assert evidence.problems.empty, evidence.problems.to_string()
    if case.get("employers") is None:
        return evidence
    register = folder / "employers.csv"
    with open(register, "w", newline="", encoding="utf-8") as fh:
        columns = [c for c in REGISTER_COLUMNS if any(c in r for r in case["employers"])]
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows({c: _cell(r.get(c)) for c in columns} for r in case["employers"])
    read = read_employers(register)
    assert read.problems.empty, read.problems.to_string()
    return evidence.with_employers(read.employers, read.problems, columns=read.columns, source=read.source)
