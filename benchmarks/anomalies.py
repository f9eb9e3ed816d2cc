"""Benchmark: every anomaly detector on a case of N learners, as a ratio to the time the rules take on it (issue 18).

Builds the case as ``learner_switch.py`` does (the shipped samples' learners repeated with new learner references
and ULNs, each copy with its manifest rows; so every copy also repeats its phone, e-mail and address, which makes
AN_CONTACT_01 group thousands of learners per value: its output stays one row per learner). Times

- ``rules``: ``run_rules(ctx)`` on a fresh context;
- ``detectors``: ``run_detectors`` on the same context, given the milestones, change history and KPIs (which the
  case computes anyway for its other outputs), and each detector on its own.

Machines here are noisy and shared: read the ratio, not the seconds.

    python benchmarks/anomalies.py [--learners 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from learner_switch import scaled_case  # noqa: E402

from auditkit import open_case  # noqa: E402
from auditkit.anomalies import AnomalyInputs, get_detectors, run_detector  # noqa: E402
from auditkit.rules import RuleContext, run_rules  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = scaled_case(args.samples, args.learners, Path(tmp) / "case")
        case = open_case([folder], progress=False)
        ctx = case.context
        t = time.perf_counter()
        findings = run_rules(ctx)
        rules = time.perf_counter() - t
        case.__dict__["raw_findings"] = findings
        given = {"milestones": case.milestones, "changes": case.raw_changes, "kpis": case.kpis}
        fresh = RuleContext(case.data, case.contracts, evidence=case.evidence)  # nothing cached by the rules' run
        inputs = AnomalyInputs(fresh, **given)
        per: dict[str, tuple[float, int]] = {}
        t = time.perf_counter()
        for det in get_detectors():
            s = time.perf_counter()
            rows = run_detector(det, inputs)
            per[det.id] = (time.perf_counter() - s, len(rows))
        detectors = time.perf_counter() - t
    print(f"{args.learners} learners: rules {rules:.1f} s ({len(findings)} findings), "
          f"all detectors {detectors:.1f} s: ratio {detectors / rules:.2f}")
    for ident, (seconds, n) in per.items():
        print(f"  {ident:14s} {seconds:7.2f} s  {n:7d} rows")


if __name__ == "__main__":
    main()
