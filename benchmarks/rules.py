"""Benchmark: every WMCA Wave 5 rule on a 100,000-learner return, as a ratio to reading the same file.

Builds the return by repeating the shipped samples' learners (new learner references and ULNs, see
``read_ilr.py``), reads it once (timed), then runs every rule with the samples' contracts (timed) and
reports the ratio and the slowest rules. Aim: all rules in under 15 s on the 2-core machine.

    python benchmarks/rules.py [--learners 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from read_ilr import scaled_return  # noqa: E402

from auditkit import read_ilr  # noqa: E402
from auditkit.readers.contracts import read_contracts  # noqa: E402
from auditkit.rules import RuleContext, all_rules, run_rule  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = scaled_return(args.samples, args.learners, Path(tmp) / "ILR-scaled.xml")
        t = time.perf_counter()
        data = read_ilr(path, progress=False)
        read_seconds = time.perf_counter() - t
    ctx = RuleContext(data, read_contracts(args.samples / "contracts.toml"))
    timings = []
    t = time.perf_counter()
    found = 0
    for rule in all_rules():
        r0 = time.perf_counter()
        found += len(run_rule(rule, ctx))
        timings.append((time.perf_counter() - r0, rule.id))
    rules_seconds = time.perf_counter() - t
    print(f"{args.learners} learners, {len(data.deliveries)} aims: read {read_seconds:.2f} s, "
          f"{len(timings)} rules {rules_seconds:.2f} s ({found} findings) -> rules/read ratio "
          f"{rules_seconds / read_seconds:.2f}x")
    print("slowest rules:", ", ".join(f"{rid} {sec:.2f} s" for sec, rid in sorted(timings, reverse=True)[:5]))


if __name__ == "__main__":
    main()
