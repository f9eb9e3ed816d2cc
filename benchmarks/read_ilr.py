"""Benchmark: the ILR reader against bare lxml iterparse passes over the same file, in the same run.

Builds N-learner returns (default 10,000, 100,000 and 300,000) by repeating the learners of the shipped samples
with new learner references, then measures, each in a fresh Python process, best of ``--repeat``:

- ``floor``: ``lxml.etree.iterparse`` filtered on ``{*}Learner`` (libxml2 builds the tree, Python sees only the
  learners), clearing each learner and deleting its previous siblings: the floor for any streaming reader;
- ``bare``: the same pass seeing every element in Python (the floor of a reader that walks each element);
- ``read_ilr``: auditkit's reader in one process, building every frame;
- ``read_ilr:2``: the same with two processes (the file split at learner boundaries; issue 19 asks for this at or
  below the ``bare`` pass).

It reports times, their ratio to the floor, and the peak memory (VmHWM) beyond the frames: the peak less the
memory of the process once imports are done (``base``) less the frames' own size (their arrays, and each distinct
Python object they hold once),
per learner, and how it grows from one size to the next (bytes per added learner; flat is ~0). Machines here are
noisy: read the ratios within one run, not the seconds.

    python benchmarks/read_ilr.py [--learners 10000 100000 300000] [--repeat 3] [--samples samples]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, path = sys.argv[1], Path(sys.argv[2])
from lxml import etree
if mode.startswith("read_ilr"):
    from auditkit import read_ilr  # imports are not part of the measured time

def rss(field):
    try:  # the process's own marks (ru_maxrss can carry the parent's over from fork)
        line = next(line for line in open("/proc/self/status") if line.startswith(field + ":"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def frame_bytes(df):
    # its arrays, plus each distinct Python object of an object-backed column once (memory_usage(deep=True)
    # counts a shared object, e.g. the return id, once per row)
    total = 0
    for column in df.columns:
        arr = df[column].array
        total += arr.nbytes
        values = getattr(arr, "_ndarray", None)
        if values is not None and values.dtype == object:
            total += sum(sys.getsizeof(v) for v in {id(v): v for v in values.tolist()}.values())
    return total

base = rss("VmRSS")
t = time.perf_counter()
frames_bytes = 0
if mode == "floor":
    for _, el in etree.iterparse(str(path), events=("end",), tag="{*}Learner"):
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
elif mode == "bare":
    for _, el in etree.iterparse(str(path), events=("end",)):
        if el.tag.endswith("}Learner") or el.tag == "Learner":
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
else:
    import inspect
    new = "workers" in inspect.signature(read_ilr).parameters  # an older tree (--before) has no workers
    options = {"workers": int(mode.partition(":")[2] or 1)} if new else {}
    data = read_ilr(path, progress=False, **options)
    frames_bytes = sum(frame_bytes(df) for df in data.frames.values())
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": rss("VmHWM"), "base": base, "frames": frames_bytes}))
"""

_LEARNER = re.compile(rb"<Learner>.*?</Learner>\s*", re.DOTALL)
_REF = re.compile(rb"<LearnRefNumber>[^<]*</LearnRefNumber>")
_ULN = re.compile(rb"<ULN>\d{10}</ULN>")


def _uln(i: int) -> bytes:
    """A distinct ULN valid by check digit for copy ``i``."""
    from auditkit.reference.uln import check_digit

    n = 100_000_000 + i
    while check_digit(str(n)) is None:
        n += 500_000_000
    return b"<ULN>%d%d</ULN>" % (n, check_digit(str(n)))


def scaled_return(samples: Path, learners: int, out: Path) -> Path:
    """Write one return of ``learners`` learners by repeating the samples' learners with new references."""
    files = sorted(samples.rglob("ILR-*.xml"))
    if not files:
        raise SystemExit(f"no ILR-*.xml files under {samples}: run `auditkit samples --out {samples}` first")
    blocks: list[bytes] = []
    for f in files:
        blocks += _LEARNER.findall(f.read_bytes())
    text = files[-1].read_bytes()
    head = text[: text.index(b"<Learner>")]
    with open(out, "wb") as fh:
        fh.write(head)
        for i in range(learners):
            block = blocks[i % len(blocks)]
            block = _REF.sub(b"<LearnRefNumber>B%010d</LearnRefNumber>" % i, block, count=1)
            fh.write(_ULN.sub(_uln(i), block, count=1))
        fh.write(b"</Message>\n")
    return out


def measure(mode: str, path: Path) -> dict:
    env = None
    if mode.startswith("read_ilr@"):  # another auditkit tree (e.g. `git worktree add /tmp/old main`)
        env = os.environ | {"PYTHONPATH": mode.partition("@")[2]}
    out = subprocess.run([sys.executable, "-c", _CHILD, mode.partition("@")[0], str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT if env is None else tempfile.gettempdir(), env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(mode: str, path: Path, repeat: int) -> dict:
    runs = [measure(mode, path) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"]) | {"peak": min(r["peak"] for r in runs),
                                                     "base": min(r["base"] for r in runs)}


def beyond(r: dict) -> int:
    """Peak memory beyond the process after imports and beyond the frames, in bytes."""
    return r["peak"] - r["base"] - r["frames"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--no-bare", action="store_true", help="leave out the every-element pass")
    parser.add_argument("--workers", type=int, default=2, help="also time the reader with this many processes "
                        "(1: leave it out)")
    parser.add_argument("--before", type=Path, help="also time the reader of another auditkit tree (a folder "
                        "holding its auditkit package), same run")
    args = parser.parse_args()
    modes = ["floor", "read_ilr"] if args.no_bare else ["floor", "bare", "read_ilr"]
    if args.workers > 1:
        modes.append(f"read_ilr:{args.workers}")
    if args.before:
        modes.append(f"read_ilr@{args.before.resolve()}")
    print(f"{'learners':>9} {'MB':>5} {'floor s':>8} {'bare s':>7} {'read s':>7} {'read/floor':>10} "
          f"{'read/bare':>9} {'frames MB':>9} {'beyond MB':>9} {'B/learner':>9} {'growth B/learner':>16}")
    last: tuple[int, dict] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.learners):
            path = scaled_return(args.samples, n, Path(tmp) / f"ILR-scaled-{n}.xml")
            size = path.stat().st_size
            r = {mode: best(mode, path, args.repeat) for mode in modes}
            path.unlink()
            floor, ours = r["floor"]["seconds"], r["read_ilr"]["seconds"]
            bare = r["bare"]["seconds"] if "bare" in r else float("nan")
            extra = beyond(r["read_ilr"])
            growth = "" if last is None else f"{(extra - beyond(last[1])) / (n - last[0]):.0f}"
            print(f"{n:>9} {size / 1e6:>5.0f} {floor:>8.2f} {bare:>7.2f} {ours:>7.2f} {ours / floor:>9.2f}x "
                  f"{ours / bare:>8.2f}x {r['read_ilr']['frames'] / 1e6:>9.0f} {extra / 1e6:>9.0f} "
                  f"{extra / n:>9.0f} {growth:>16}", flush=True)
            last = (n, r["read_ilr"])
            if args.workers > 1:
                par = r[f"read_ilr:{args.workers}"]
                print(f"{f'  {args.workers} procs':>9} {'':>5} {'':>8} {'':>7} {par['seconds']:>7.2f} "
                      f"{par['seconds'] / floor:>9.2f}x {par['seconds'] / bare:>8.2f}x", flush=True)
            if args.before:
                old = r[modes[-1]]
                print(f"{'  before':>9} {'':>5} {'':>8} {'':>7} {old['seconds']:>7.2f} "
                      f"{old['seconds'] / floor:>9.2f}x {old['seconds'] / bare:>8.2f}x {old['frames'] / 1e6:>9.0f} "
                      f"{beyond(old) / 1e6:>9.0f} {beyond(old) / n:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
