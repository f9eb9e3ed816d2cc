"""Benchmark: the ILR reader against a bare lxml iterparse pass over the same file, in the same run.

Builds an N-learner return (default 100,000) by repeating the learners of the shipped samples with new
learner references, then measures, each in a fresh Python process:

- ``bare``: ``lxml.etree.iterparse`` over every element, clearing each learner (the floor for a streaming
  reader that looks at every element);
- ``read_ilr``: auditkit's reader, building every frame.

It reports times and peak memory (RSS) and their ratios to the bare pass, plus how peak memory beyond
the frames grows from N/4 to N learners. Machines here are noisy: read the ratios, not the seconds.

    python benchmarks/read_ilr.py [--learners 100000] [--repeat 3] [--samples samples]
"""

from __future__ import annotations

import argparse
import json
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
if mode != "bare":
    from auditkit import read_ilr  # imports are not part of the measured time
t = time.perf_counter()
frames_bytes = 0
if mode == "bare":
    n = 0
    for _, el in etree.iterparse(str(path), events=("end",)):
        n += 1
        if el.tag.endswith("}Learner") or el.tag == "Learner":
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
else:
    data = read_ilr(path, progress=False)
    frames_bytes = sum(int(df.memory_usage(deep=True).sum()) for df in data.frames.values())
seconds = time.perf_counter() - t
try:  # the process's own high-water mark (ru_maxrss can carry the parent's over from fork)
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    peak = int(hwm.split()[1]) * 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "frames": frames_bytes}))
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
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(mode: str, path: Path, repeat: int) -> dict:
    runs = [measure(mode, path) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"]) | {"peak": min(r["peak"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n in (args.learners // 4, args.learners):
            path = scaled_return(args.samples, n, Path(tmp) / f"ILR-scaled-{n}.xml")
            size = path.stat().st_size
            bare, ours = best("bare", path, args.repeat), best("read_ilr", path, args.repeat)
            results[n] = (bare, ours)
            print(f"{n:>7} learners, {size / 1e6:.0f} MB: bare {bare['seconds']:.2f} s, read_ilr "
                  f"{ours['seconds']:.2f} s -> time ratio {ours['seconds'] / bare['seconds']:.2f}x; "
                  f"peak RSS bare {bare['peak'] / 1e6:.0f} MB, read_ilr {ours['peak'] / 1e6:.0f} MB "
                  f"(frames {ours['frames'] / 1e6:.0f} MB)")
        small, large = results[args.learners // 4][1], results[args.learners][1]
        beyond = [(r["peak"] - r["frames"]) / 1e6 for r in (small, large)]
        print(f"peak memory beyond the frames: {beyond[0]:.0f} MB at {args.learners // 4} learners, "
              f"{beyond[1]:.0f} MB at {args.learners} ({beyond[1] / beyond[0]:.2f}x for 4x the file)")


if __name__ == "__main__":
    main()
