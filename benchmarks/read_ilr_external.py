"""Benchmark: the ILR reader on the largest real ILR files, against a tag-filtered lxml iterparse floor.

For each of the ``--largest`` biggest ``*.xml`` files of FOLDER (default ``../shared/reference/ilr-external``),
measures in fresh Python processes:

- ``floor``: ``lxml.etree.iterparse`` filtered to the top-level record tags (Learner and
  LearnerDestinationandProgression, any namespace), clearing each one: the least a streaming reader must do;
- ``read_ilr``: auditkit's reader, building every frame.

It reports the best of ``--repeat`` runs and the ratio. Machines here are noisy: read the ratios.

    python benchmarks/read_ilr_external.py [FOLDER] [--largest 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
from lxml import etree
mode, path = sys.argv[1], sys.argv[2]
if mode != "floor":
    from auditkit import read_ilr
t = time.perf_counter()
if mode == "floor":
    tags = ["{*}Learner", "Learner", "{*}LearnerDestinationandProgression", "LearnerDestinationandProgression"]
    for _, el in etree.iterparse(path, events=("end",), tag=tags, remove_comments=True, resolve_entities=False,
                                 no_network=True):
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
else:
    read_ilr(path, progress=False)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def measure(mode: str, path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], check=True, capture_output=True,
                             text=True, cwd=ROOT)
        best = min(best, json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared" / "reference" / "ilr-external")
    parser.add_argument("--largest", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted((p for p in args.folder.iterdir() if p.suffix.lower() == ".xml"), key=lambda p: -p.stat().st_size)
    total_floor = total_ours = 0.0
    for path in files[: args.largest]:
        floor, ours = measure("floor", path, args.repeat), measure("read_ilr", path, args.repeat)
        total_floor, total_ours = total_floor + floor, total_ours + ours
        print(f"{path.name} ({path.stat().st_size / 1e6:.1f} MB): floor {floor * 1000:.0f} ms, read_ilr "
              f"{ours * 1000:.0f} ms -> {ours / floor:.2f}x")
    print(f"together: floor {total_floor * 1000:.0f} ms, read_ilr {total_ours * 1000:.0f} ms -> "
          f"{total_ours / total_floor:.2f}x")


if __name__ == "__main__":
    main()
