"""Benchmark: the whole audit (``auditkit audit CASE --out DIR``) on real-sized cases, stage by stage (issue 13).

Builds cases of N learners (default 10,000 and 100,000) with ``learner_switch.scaled_case`` (the shipped samples'
learners repeated with new references and ULNs): ULNs ``unique``, or ``shared`` (one ULN for 3,000 learners, the
temporary ULN 9999999999 for one in 20, restarts), each with an evidence tracker of about ``--rows`` manifest rows
a learner (``+ev``) and without one. Each case is audited in a fresh process, timing the stages as
``auditkit audit`` runs them (auditkit/views/audit.py ``write_audit``):

- ``read``: ``open_case`` (find the inputs, parse the ILR return, choose the returns; without the Parquet cache,
  which ``benchmarks/cache.py`` measures);
- ``evidence``: read the manifest and employer register and check them against the learners;
- ``rules``: the ILR rules' findings; ``ev rules``: the evidence (EV_*) rules' findings;
- ``milestones``, ``funding`` (per aim and per provider), ``kpis``;
- ``write``: masking and writing every CSV and the README;

with the total and the process's peak memory (VmHWM). In the same run, as baselines to compare across machines:
``floor``, an lxml ``iterparse`` with ``tag=`` the Learner element clearing each learner (the parse floor), and
``csv``, a bare ``pandas.read_csv`` of the manifest. Ratios 100k/10k show linearity (aim: within 11x); the aim for
100k learners with a tracker is 30 s. Machines here are noisy and shared: read the ratios within one run.

With ``--compare SRC`` (a source tree holding another version's ``auditkit`` package, e.g. from
``git archive REV auditkit | tar -x -C SRC``) each case is also audited by that version, right after this one,
so that the two can be compared within one run (rows ``case@SRC``).

    python benchmarks/audit.py [--sizes 10000 100000] [--variants unique shared] [--rows 2.5] [--compare SRC]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from learner_switch import scaled_case  # noqa: E402

STAGES = ("read", "evidence", "rules", "ev rules", "milestones", "funding", "kpis", "write")

_CHILD = r"""
import json, sys, time
from pathlib import Path
mode, folder, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
import pandas as pd
from lxml import etree
import auditkit.rules.runner as runner
from auditkit import open_case
from auditkit.views.audit import write_audit

def peak():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

times = {}
if mode == "floor":
    t = time.perf_counter()
    for _, el in etree.iterparse(str(folder / "ILR-scaled.xml"), events=("end",),
                                 tag="{*}Learner"):
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    times["floor"] = time.perf_counter() - t
    manifest = folder / "evidence" / "manifest.csv"
    if manifest.exists():
        t = time.perf_counter()
        pd.read_csv(manifest, dtype=str, keep_default_na=False)
        times["csv"] = time.perf_counter() - t
    print(json.dumps(times))
    sys.exit()

rule_times = {"rules": 0.0, "ev rules": 0.0}
safely = runner.run_rule_safely
def timed(rule, ctx):
    t = time.perf_counter()
    try:
        return safely(rule, ctx)
    finally:
        rule_times["ev rules" if rule.id.startswith("EV_") else "rules"] += time.perf_counter() - t
runner.run_rule_safely = timed

start = t = time.perf_counter()
def stage(name):
    global t
    now = time.perf_counter()
    times[name] = times.get(name, 0.0) + now - t
    t = now

import inspect
no_cache = {"cache": False} if "cache" in inspect.signature(open_case).parameters else {}  # the XML parsed
case = open_case([folder], progress=False, **no_cache)
stage("read")
case.evidence, case.employers
stage("evidence")
case.raw_findings
stage("rules")
times["ev rules"] = rule_times["ev rules"]
times["rules"] -= rule_times["ev rules"]  # the ILR rules, their context and the sorting of all findings
case.milestones
stage("milestones")
case.funding, case.funding_by_provider
stage("funding")
case.kpis
stage("kpis")
write_audit(case, out)
stage("write")
times["total"] = time.perf_counter() - start
times["peak MB"] = peak() / 1e6
times["learners"] = len(case.data.learners)
times["documents"] = 0 if case.evidence is None else len(case.evidence.evidence)
times["findings"] = len(case.raw_findings)
print(json.dumps(times))
"""


def run_child(mode: str, folder: Path, out: Path, source: Path | None = None) -> dict[str, float]:
    """One measurement in a fresh process (of the auditkit under ``source`` when given)."""
    env = dict(os.environ, PYTHONPATH=str(source)) if source is not None else None
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, str(folder), str(out)], capture_output=True,
                          text=True, cwd=ROOT if source is None else source, env=env)
    if done.returncode:
        raise SystemExit(f"{mode} {folder.name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build(samples: Path, n: int, variant: str, rows: float, tmp: Path) -> tuple[Path, Path]:
    """The case with a tracker and the same case without (the ILR, register and contracts hard-linked)."""
    folder = scaled_case(samples, n, tmp / f"{variant}-{n}+ev", shared_ulns=variant == "shared",
                         rows_per_learner=rows)
    bare = tmp / f"{variant}-{n}"
    bare.mkdir()
    for f in folder.iterdir():
        if f.is_file():
            os.link(f, bare / f.name)
    return folder, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--variants", nargs="+", choices=["unique", "shared"], default=["unique", "shared"])
    parser.add_argument("--rows", type=float, default=2.5, help="manifest rows a learner (average)")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--compare", type=Path, help="also audit each case with the auditkit under this folder")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    head = (f"{'case':<24}" + "".join(f"{s:>11}" for s in (*STAGES, "total", "peak MB", "floor", "csv"))
            + f"{'documents':>11}{'findings':>10}")
    print(head, flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for variant in args.variants:
            for n in args.sizes:
                folders = build(args.samples, n, variant, args.rows, tmp)
                for folder in reversed(folders):
                    out = tmp / f"out-{folder.name}"
                    floor = run_child("floor", folder, out)
                    for source in (None, args.compare) if args.compare else (None,):
                        name = folder.name if source is None else f"{folder.name}@{source.name}"
                        r = run_child("audit", folder, out, source) | floor
                        results[name] = r
                        shutil.rmtree(out, ignore_errors=True)
                        print(f"{name:<24}" + "".join(f"{r.get(s, 0.0):>11.2f}" for s in (*STAGES, "total"))
                              + f"{r['peak MB']:>11.0f}{r['floor']:>11.2f}{r.get('csv', 0.0):>11.2f}"
                              + f"{int(r['documents']):>11}{int(r['findings']):>10}", flush=True)
                for folder in folders:
                    shutil.rmtree(folder)
    small = min(args.sizes)
    for name, r in results.items():
        case, _, source = name.partition("@")
        variant, rest = case.split("-", 1)
        n, ev = int(rest.removesuffix("+ev")), rest.endswith("+ev")
        base = results.get(f"{variant}-{small}" + ("+ev" if ev else "") + (f"@{source}" if source else ""))
        if not source and f"{name}@{args.compare.name if args.compare else ''}" in results:
            other = results[f"{name}@{args.compare.name}"]  # type: ignore[union-attr]
            print(f"{name}: {r['total']:.1f} s against {other['total']:.1f} s with {args.compare}: "
                  f"{other['total'] / r['total']:.1f}x faster")
        if n == small or base is None:
            continue
        ratio = r["total"] / base["total"]
        print(f"{name}: total {r['total']:.1f} s = {ratio:.1f}x the {small} case for {n / small:.0f}x the learners "
              f"({r['total'] / r['floor']:.1f}x its parse floor; peak {r['peak MB'] / base['peak MB']:.1f}x)"
              + (f"; under 30 s: {'yes' if r['total'] < 30 else 'no'}" if ev and n == 100_000 else ""))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
