"""Benchmark: ``auditkit report`` on generated cases (default 10,000 and 100,000 learners), against a same-run
baseline: ``auditkit audit`` of the same case (the work the report's tables rest on, without the notebook).

Each case is ``benchmarks/learner_switch.py``'s ``scaled_case`` (the samples' learners repeated with new
references, with their evidence rows). Both commands run in a fresh process; the report opens the case twice (the
command for the workbook, the notebook's kernel for the page), which the ratio shows. Machines here are noisy and
shared: read the ratios.

    python benchmarks/report.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    from learner_switch import scaled_case

    cli = [sys.executable, "-m", "auditkit.cli"]
    print(f"{'learners':>9} {'audit s':>9} {'report s':>9} {'report/audit':>13}")
    with tempfile.TemporaryDirectory(prefix="auditkit-bench-report-") as tmp:
        for size in args.sizes:
            case = scaled_case(ROOT / "samples", size, Path(tmp) / f"case-{size}")
            audit = _time([*cli, "audit", str(case), "--out", str(Path(tmp) / f"audit-{size}")])
            report = _time([*cli, "report", str(case), "--out", str(Path(tmp) / f"report-{size}")])
            print(f"{size:>9,} {audit:>9.1f} {report:>9.1f} {report / audit:>12.2f}x")


if __name__ == "__main__":
    main()
