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
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

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
    return RuleContext(data, contracts, all_returns=case.get("all_returns", False), postcode_directory=directory)
