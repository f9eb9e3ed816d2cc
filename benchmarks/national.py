"""Benchmark: the national run (``auditkit national``, issue 19) against the single-process audit, in one run.

Generates a case of ``--learners`` learners across ``--providers`` providers (``auditkit.samples.national``: the
samples' learners repeated with new references and ULNs, every ``--shared-every``-th learner of a provider also
at the previous one, no evidence), then, each in a fresh process:

- ``single``: the single-process audit of the folder: ``open_case`` and its findings, milestones, KPIs (values and
  members) and the cross-provider anomaly AN_ULN_01 (what the national run writes, without writing);
- ``national N``: ``run_national`` on a LocalCluster of N worker processes (``--workers``, default 1 and 2),
  writing the Parquet datasets.

Reports the wall time of each, its ratio to ``single`` (the same-run baseline), the rows of each output (they
must agree), the driver's peak memory (VmHWM) and the largest peak memory of a worker process (``ru_maxrss``,
from ``national.json``): bounded by the largest provider, not the number of providers. The issue's size is
``--learners 1000000 --providers 300`` (an hour or more on 2 cores; ``--no-single`` leaves out the
single-process audit, which may not fit in memory there); a few minutes here:

    python benchmarks/national.py [--learners 50000] [--providers 50] [--workers 1 2] [--no-single] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditkit.samples.national import national_case  # noqa: E402

OUTPUTS = ("findings", "milestones", "kpis", "kpi_members", "anomalies")

_CHILD = r"""
import json, sys, time
from pathlib import Path
mode, folder, out, workers = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])

def peak():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

OUTPUTS = ("findings", "milestones", "kpis", "kpi_members", "anomalies")
start = time.perf_counter()
if mode == "single":
    from auditkit import open_case
    from auditkit.anomalies import run_detectors
    case = open_case([folder], progress=False)
    rows = {"findings": len(case.findings), "milestones": len(case.milestones), "kpis": len(case.kpis.values),
            "kpi_members": len(case.kpis.members), "anomalies": len(run_detectors(case.context, ["AN_ULN_01"]))}
    result = {"rows": rows, "worker_peak": None}
else:
    from auditkit.national import run_national
    run = run_national(folder, out, workers=workers, progress=False)
    s = run.summary()
    assert run.ok, run.failures.to_dict("records")
    result = {"rows": {k: s[k] for k in OUTPUTS}, "worker_peak": max(s["worker_peak_mb"].values()) * 2**20,
              "shared_ulns": s["shared_ulns"]}
result |= {"seconds": time.perf_counter() - start, "driver_peak": peak()}
print(json.dumps(result))
"""


def run_child(mode: str, folder: Path, out: Path, workers: int = 0) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, str(folder), str(out), str(workers)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--shared-every", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--no-single", action="store_true", help="Leave out the single-process audit (at 1M learners "
                        "it may not fit in memory); the ratios are then to the first national run.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditkit-national-") as tmp:
        t = time.perf_counter()
        folder = national_case(ROOT / "samples", Path(tmp) / "case", args.learners, args.providers,
                               shared_every=args.shared_every)
        print(f"generated {args.learners} learners across {args.providers} providers in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        results = {} if args.no_single else {"single": run_child("single", folder, Path(tmp) / "unused")}
        for n in args.workers:
            results[f"national {n}"] = run_child("national", folder, Path(tmp) / f"out-{n}", n)
    first = next(iter(results.values()))
    base = first["seconds"]
    print(f"\n{args.learners} learners, {args.providers} providers, "
          f"{results.get('national ' + str(args.workers[0]), {}).get('shared_ulns', '?')} ULNs shared\n")
    print(f"| run | seconds | x {next(iter(results))} | driver peak MB | worker peak MB | "
          + " | ".join(OUTPUTS) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(OUTPUTS))
    for name, r in results.items():
        worker = f"{r['worker_peak'] / 2**20:.0f}" if r["worker_peak"] else "-"
        print(f"| {name} | {r['seconds']:.1f} | {r['seconds'] / base:.2f} | {r['driver_peak'] / 2**20:.0f} | "
              f"{worker} | " + " | ".join(str(r["rows"][o]) for o in OUTPUTS) + " |")
    agree = all(r["rows"] == first["rows"] for r in results.values())
    print(f"\nrows agree with the {next(iter(results))} run: {agree}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not agree:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
