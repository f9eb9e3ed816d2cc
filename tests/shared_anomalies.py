"""A case of many learners (every other one with one shared ULN) sharing one phone number and one address across
two providers, with job offers from one employer, for the memory bound of the anomaly detectors (their groups stay
bounded by their output).

Run as a script (``python -m tests.shared_anomalies FOLDER N LIMIT_MB``) it writes the case, reads it and computes
the milestones, change history and KPIs, then runs every detector with the address space limited to LIMIT_MB above
what the process holds (0: no limit), and prints the rows per detector; a MemoryError exits with 3.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from tests.memory_limit import limit_memory

SHARED_ULN = "1000000019"


def shared_case(folder: Path, n: int) -> Path:
    from tests.rules.case import write_case
    from tests.test_evidence_checks import REGISTER, documents, learner, write_manifest, write_manifest_register

    specs: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    for i in range(n):
        spec = learner(f"L{i}", i, m2=True, m3=True)
        spec["learner"].update({"TelNo": "07700900123", "AddLine1": "1 Shared Street"})
        if i % 2 == 0:
            spec["learner"]["ULN"] = SHARED_ULN
        specs.append(spec)
        if i < n // 2:
            docs += documents(f"L{i}", m2=True, m3=True, employer="Big Co plc")
    half = n // 2
    case = {**specs[0], "other_learners": specs[1:half], "prepared": dt.date(2024, 10, 7),
            "extra_returns": [{"ukprn": 10000002, "year": "2023-24", "prepared": dt.date(2024, 10, 7),
                               "learners": specs[half:]}]}
    write_case(case, folder)
    write_manifest(folder / "evidence" / "manifest.csv", docs)
    write_manifest_register(folder / "employers.csv", REGISTER)
    return folder


def main(folder: str, n: str, limit_mb: str) -> int:
    from auditkit import open_case
    from auditkit.anomalies import AnomalyInputs, run_detectors

    case = open_case([shared_case(Path(folder), int(n))], progress=False)
    inputs = AnomalyInputs(case.context, milestones=case.milestones, changes=case.raw_changes, kpis=case.kpis)
    limit_memory(int(limit_mb))
    try:
        found = run_detectors(inputs)
    except MemoryError:
        print("MemoryError", flush=True)
        return 3
    counts = found["rule_id"].value_counts()
    print(" ".join(f"{k}={v}" for k, v in counts.items()) or "none=0", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
