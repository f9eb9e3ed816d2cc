"""Run the benchmarks and write their results into ``docs/performance.md``.

Each benchmark runs in its own process, as its own command line, and its table is copied into the page as it
printed it, with the machine, the library versions, the date and the command, so a reader can run the same
command on another machine and compare ratios (the seconds of one machine say little about another's; the ratios
to a baseline measured in the same run do). A benchmark that fails is reported on the page with its error, and the
others still run.

    python benchmarks/performance.py                      # the default set (about 20 minutes on 2 CPUs)
    python benchmarks/performance.py --only read_ilr cache --out docs/performance.md
    python benchmarks/performance.py --quick              # small sizes: checks that every benchmark runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name -> (what it measures, the aim it is held to, arguments of the full run, arguments of a --quick run)
BENCHMARKS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "read_ilr": ("Reading one ILR return: auditkit's reader (one process, and two) against bare lxml passes over "
                 "the same file.", "one process: at most 2.0x the tag-filtered floor; two processes: at or below "
                 "the every-element (bare) pass; memory beyond the frames at most 3 KB a learner.",
                 ["--learners", "10000", "100000", "--repeat", "2"], ["--learners", "2000", "--repeat", "1"]),
    "cache": ("Reading a return from the Parquet cache against parsing it.",
              "a cached read at least 10x faster than parsing at 100k learners.",
              ["--sizes", "10000", "100000"], ["--sizes", "2000", "--repeat", "1"]),
    "audit": ("The whole audit (`auditkit audit CASE --out DIR`), stage by stage, with an evidence tracker.",
              "under 30 s at 100k learners with a tracker, on 2 cores; 100k/10k within 11x.",
              ["--sizes", "10000", "100000", "--variants", "shared"], ["--sizes", "2000", "--variants", "shared"]),
    "learner_switch": ("One learner's walk-through data (evidence view, findings, milestones of that learner).",
                       "under 20 ms at 100k learners with a tracker, flat from 10k to 100k.",
                       ["--sizes", "10000", "100000", "--before", "0"],
                       ["--sizes", "2000", "--learners", "5", "--before", "0"]),
    "anomalies": ("Every anomaly detector, as a ratio to the rules' time on the same case.", "(reported)",
                  ["--learners", "100000"], ["--learners", "2000"]),
    "national": ("The national run on Dask: 1 and 2 workers against the single-process audit of the same folder.",
                 "memory per worker bounded (not growing with the number of providers).",
                 ["--learners", "20000", "--providers", "20"], ["--learners", "2000", "--providers", "4"]),
}


def _versions() -> str:
    names = ["pandas", "numpy", "lxml", "pyarrow", "duckdb", "dask", "distributed"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _proc(name: str, key: str) -> str:
    """The value of ``key`` in ``/proc/<name>`` (Linux), or ""."""
    try:
        text = Path("/proc", name).read_text()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(key)), "")


def _machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = _proc("cpuinfo", "model name") or platform.processor()
    kb = _proc("meminfo", "MemTotal").split()
    memory = f", {int(kb[0]) / 1024 / 1024:.0f} GB memory" if kb and kb[0].isdigit() else ""
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{cpus} CPUs ({model}){memory}, {system}"


def run(name: str, args: list[str]) -> tuple[str, float, bool]:
    """One benchmark's output (stdout, then stderr's last lines when it fails), its seconds, whether it passed."""
    script = ROOT / "benchmarks" / f"{name}.py"
    if not script.exists():
        return f"(no benchmarks/{name}.py in this checkout)", 0.0, False
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    text = done.stdout.rstrip()
    if done.returncode != 0:
        tail = "\n".join(done.stderr.rstrip().splitlines()[-15:])
        text = f"{text}\n\nFAILED (exit {done.returncode}):\n{tail}".strip()
    return text, seconds, done.returncode == 0


def page(results: list[tuple[str, list[str], str, float, bool]], quick: bool) -> str:
    lines = [
        "# Performance",
        "",
        "Generated by `python benchmarks/performance.py` (do not edit by hand): each benchmark of `benchmarks/` run",
        "in its own process, its table copied as it printed it. Machines here are shared and noisy: compare the",
        "ratios to the baselines measured in the same run, not the seconds. Peak memory is per process (VmHWM).",
        "",
        f"- Run: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}{' (--quick: small sizes)' if quick else ''}",
        f"- Machine: {_machine()}",
        f"- Libraries: {_versions()}",
        "",
        "Each section gives what is measured, the aim it is held to, the command and its output.",
        "",
    ]
    for name, args, text, seconds, ok in results:
        what, aim, _, _ = BENCHMARKS[name]
        lines += [f"## {name}", "", what, "", f"Aim: {aim}", "",
                  f"`python benchmarks/{name}.py {shlex.join(args)}` ({seconds:.0f} s{'' if ok else ', failed'})", "",
                  "```", text, "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="small sizes: check that each benchmark runs")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    results = []
    for name in args.only or list(BENCHMARKS):
        options = BENCHMARKS[name][3 if args.quick else 2]
        print(f"running {name} {shlex.join(options)} ...", flush=True)
        text, seconds, ok = run(name, options)
        print(text, flush=True)
        results.append((name, options, text, seconds, ok))
    args.out.write_text(page(results, args.quick), encoding="utf-8")
    print(f"Wrote {args.out}")
    if not all(ok for *_, ok in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
