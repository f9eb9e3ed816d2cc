"""A case of many learners sharing one ULN (with bootcamp, M2 and M3 aims, and job offers from an employer that
co-funds half of the places), for the memory bound of the joins by ULN and by employer (issue 11).

Run as a script (``python -m tests.shared_uln FOLDER N LIMIT_MB``) it writes the case, reads it, then runs the
rules, milestones, KPIs and evidence checks with the address space limited to LIMIT_MB above what the process
holds after reading (0: no limit), and prints the peak resident memory in MB; a MemoryError exits with 3.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
from pathlib import Path
from typing import Any

from tests.memory_limit import limit_memory

SHARED_ULN = "1000000019"


def shared_uln_case(folder: Path, n: int) -> Path:
    """Write ``n`` learners with one ULN: each a completed bootcamp with M2 and M3 aims; the even ones co-funded
    by Big Co plc, the odd ones independent with a job offer from Big Co plc. Returns the case folder."""
    from tests.rules.case import write_case
    from tests.test_evidence_checks import REGISTER, documents, learner, write_manifest, write_manifest_register

    learners: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    destinations: list[dict[str, Any]] = []
    for i in range(n):
        lrn = f"L{i}"
        cofunded = i % 2 == 0
        spec = learner(lrn, i, m2=True, m3=True, cofunded="Contribution 30" if cofunded else None,
                       employer_id=900000002 if cofunded else None)
        spec["learner"]["ULN"] = SHARED_ULN
        # and an M2 aim naming no bootcamp of the learner (the "expected" list looks the ULN's bootcamps up)
        spec["deliveries"] = [{"LearnAimRef": "Z0010211", "AimType": 4, "AimSeqNumber": 9, "FundModel": 35,
                               "LearnStartDate": dt.date(2024, 8, 1), "LearnPlanEndDate": dt.date(2024, 8, 1),
                               "LearnActEndDate": dt.date(2024, 8, 1), "CompStatus": 2, "Outcome": 1,
                               "DelLocPostCode": "B1 1AA", "ProviderSpecDeliveryMonitoring": [
                                   {"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "Z0009999"}]}]
        learners.append(spec)
        destinations.append({"LearnRefNumber": lrn, "ULN": SHARED_ULN, "DPOutcome": [
            {"OutType": "EMP", "OutCode": 1, "OutStartDate": dt.date(2024, 9, 2), "OutCollDate": dt.date(2024, 9, 9)}]})
        docs += documents(lrn, m2=True, m3=True, ltype="co-funded" if cofunded else "independent",
                          employer="Big Co plc")
    case = {**learners[0], "other_learners": learners[1:], "prepared": dt.date(2024, 10, 7),
            "destinations": destinations}
    write_case(case, folder)
    write_manifest(folder / "evidence" / "manifest.csv", docs)
    write_manifest_register(folder / "employers.csv", REGISTER)
    return folder


def main(folder: str, n: str, limit_mb: str) -> int:
    from auditkit import open_case
    from auditkit.funding.milestones import milestones
    from auditkit.measures.kpis import kpis
    from auditkit.rules import run_rules

    path = shared_uln_case(Path(folder), int(n))
    result = open_case([path], rules=["W5_DP_01"], progress=False)  # read everything, run one cheap rule
    limit_memory(int(limit_mb))
    try:
        findings = run_rules(result.context)
        ms = milestones(result.context, findings)
        kpis(result.context, ms)
    except MemoryError:
        print("MemoryError", flush=True)
        return 3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"findings={len(findings)} milestones={len(ms)} peak_mb={peak:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
