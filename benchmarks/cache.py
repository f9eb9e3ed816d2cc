"""Benchmark: the Parquet cache of the ILR frames (issue 19): a cached load against parsing, in the same run.

Builds a case of N learners (default 10,000 and 100,000; ``learner_switch.scaled_case``: the shipped samples'
learners repeated with new references and ULNs, one return, no evidence) and times, each in a fresh process with
its peak memory (VmHWM):

- ``parse``: ``read_ilr_cached(..., cache=None)``, the XML parsed (what ``--no-cache`` does), by the reader's
  processes (on 2 CPUs: two, the file split at learner boundaries); ``parse 1``: the same by one process;
- ``first``: the first load through the cache: hash, parse and write the Parquet files;
- ``cached``: a later load: hash and read the Parquet files (the frames equal the parsed ones: tests/test_cache.py);
- ``floor``: the bare lxml ``iterparse`` (``tag=`` the Learner element) of the same file, as a baseline.

The ratios ``parse / cached`` and ``parse 1 / cached`` are the cache's speed-up (aim: at least 10x at 100,000
learners). Machines here are
noisy and shared: read the ratios within one run, best of ``--repeat``.

    python benchmarks/cache.py [--sizes 10000 100000] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from learner_switch import scaled_case  # noqa: E402

_CHILD = r"""
import json, sys, time
from pathlib import Path
mode, folder = sys.argv[1], Path(sys.argv[2])

def peak():
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

if mode == "floor":
    from lxml import etree
    t = time.perf_counter()
    for _, el in etree.iterparse(str(folder / "ILR-scaled.xml"), events=("end",), tag="{*}Learner"):
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    print(json.dumps({"seconds": time.perf_counter() - t, "peak": peak()}))
    sys.exit()
import os
if mode == "parse1":
    os.environ["AUDITKIT_READ_WORKERS"] = "1"
from auditkit.readers.ilr_cache import cache_folder, read_ilr_cached
t = time.perf_counter()
data = read_ilr_cached([folder], None if mode.startswith("parse") else cache_folder(folder), progress=False)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": peak(), "learners": len(data.learners)}))
"""


def run(mode: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(folder)], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(folder: Path, repeat: int) -> dict[str, dict]:
    cache = folder / ".auditkit"
    results: dict[str, dict] = {}

    def best(mode: str, before=None) -> dict:
        runs = []
        for _ in range(repeat):
            if before:
                before()
            runs.append(run(mode, folder))
        return min(runs, key=lambda r: r["seconds"])

    results["floor"] = best("floor")
    results["parse"] = best("parse")
    results["parse1"] = best("parse1")
    results["first"] = best("first", lambda: shutil.rmtree(cache, ignore_errors=True))
    results["cached"] = best("cached")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    everything = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            folder = scaled_case(args.samples, size, Path(tmp) / f"case-{size}", evidence=False)
            r = measure(folder, args.repeat)
            cache_bytes = sum(p.stat().st_size for p in (folder / ".auditkit").rglob("*.parquet"))
            xml_bytes = (folder / "ILR-scaled.xml").stat().st_size
            print(f"{size:>8,} learners: XML {xml_bytes / 2**20:.0f} MiB, cache {cache_bytes / 2**20:.0f} MiB")
            for mode in ("floor", "parse", "parse1", "first", "cached"):
                print(f"  {mode:<7} {r[mode]['seconds']:7.2f} s  peak {r[mode]['peak'] / 2**20:6.0f} MiB")
            ratio = r["parse"]["seconds"] / r["cached"]["seconds"]
            one = r["parse1"]["seconds"] / r["cached"]["seconds"]
            print(f"  parse / cached: {ratio:.1f}x, parse1 / cached: {one:.1f}x "
                  f"(aim: at least 10x at 100,000 learners); first / parse: "
                  f"{r['first']['seconds'] / r['parse']['seconds']:.2f}x")
            everything[size] = {**r, "ratio": ratio, "xml_bytes": xml_bytes, "cache_bytes": cache_bytes}
            shutil.rmtree(folder)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
