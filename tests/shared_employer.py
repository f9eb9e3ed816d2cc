"""A case where many job offers and many co-funded places share one employer, for the memory bound of EV_EMP_02's
join on employer (issue 13).

``n`` learners with distinct ULNs: the even ones co-funded by Big Co plc (EmpId 900000002 in the ILR and a
contribution invoice naming it), the odd ones independent with a job offer from Big Co plc. Every job offer
names an employer that co-funds ``n / 2`` places: joining every offer with every place makes ``n**2 / 4`` pairs.

Run as a script (``python -m tests.shared_employer FOLDER N LIMIT_MB``) it writes the case, reads it and builds
the evidence facts, then runs EV_EMP_02 with the address space limited to LIMIT_MB above what the process holds
by then (0: no limit) and prints the findings; a MemoryError exits with 3.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from tests.memory_limit import limit_memory

EMPLOYER = "Big Co plc"


def shared_employer_case(folder: Path, n: int) -> Path:
    """Write the case of ``n`` learners (see the module docstring); only the documents EV_EMP_02 reads are
    listed. Returns the case folder."""
    from tests.rules.case import UKPRN, write_case
    from tests.test_evidence_checks import M3_DATE, REGISTER, learner, write_manifest, write_manifest_register

    learners: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    for i in range(n):
        lrn = f"L{i}"
        cofunded = i % 2 == 0
        learners.append(learner(lrn, i, m3=True, cofunded="Contribution 30" if cofunded else None,
                                employer_id=900000002 if cofunded else None))
        doc = ({"evidence_type": "employer_contribution_invoice", "document_date": dt.date(2024, 4, 5),
                "amount": "900.00"} if cofunded else {"evidence_type": "job_offer", "document_date": M3_DATE})
        docs.append({"ukprn": UKPRN, "learn_ref_number": lrn, "employer": EMPLOYER, **doc})
    write_case({**learners[0], "other_learners": learners[1:], "prepared": dt.date(2024, 10, 7)}, folder)
    write_manifest(folder / "evidence" / "manifest.csv", docs)
    write_manifest_register(folder / "employers.csv", REGISTER)
    return folder


def main(folder: str, n: str, limit_mb: str) -> int:
    from auditkit import open_case
    from auditkit.facts.evidence import evidence_bootcamps, evidence_documents
    from auditkit.rules import run_rules

    path = shared_employer_case(Path(folder), int(n))
    result = open_case([path], rules=["W5_DP_01"], progress=False)  # read everything, run one cheap rule
    ctx = result.context
    evidence_documents(ctx), evidence_bootcamps(ctx)  # the facts every evidence check shares, built once
    limit_memory(int(limit_mb))
    try:
        findings = run_rules(ctx, ["EV_EMP_02"])
    except MemoryError:
        print("MemoryError", flush=True)
        return 3
    ours = findings[findings["rule_id"] == "EV_EMP_02"]
    named = ours["message"].str.count(r"\b\d{8}/L\d+").min() if len(ours) else 0
    print(f"findings={len(ours)} named={named}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
