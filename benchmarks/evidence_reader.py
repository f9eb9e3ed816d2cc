"""Benchmark: the evidence manifest reader against a plain ``pandas.read_csv`` of the same file, in the same run.

Writes a synthetic manifest of N rows (default 10,000 and 100,000): every column of
:data:`~auditkit.readers.evidence.MANIFEST_COLUMNS`, learners ``L0``, ``L1``, ... with eight documents each, and
one row in a hundred with a bad evidence type (a typo, so that a "did you mean" is made), one in a hundred with
an unreadable document date and one in a hundred with an unreadable amount. Then measures, best of ``--repeat``:

- ``read_csv``: ``pandas.read_csv(path, dtype=str, keep_default_na=False)`` (the floor: the bytes into text cells);
- ``read_manifest``: auditkit's reader (no document folder, no ILR learners), every row checked.

It prints the time per row of each and their ratio. Machines here are noisy: read the ratio, not the seconds.

    python benchmarks/evidence_reader.py [--rows 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from auditkit.readers.evidence import EVIDENCE_TYPES, MANIFEST_COLUMNS, read_manifest  # noqa: E402

_TYPES = list(EVIDENCE_TYPES)
_PER_LEARNER = 8


def write_manifest(path: Path, rows: int) -> None:
    """A manifest of ``rows`` rows, 1% with a bad type, 1% a bad document date, 1% a bad amount."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(MANIFEST_COLUMNS)
        for i in range(rows):
            etype = _TYPES[i % len(_TYPES)]
            if i % 100 == 7:
                etype = etype.replace("_", " ").upper()[:-1] + "x"  # a typo: unknown, with a close match
            date = "31/02/2024" if i % 100 == 13 else f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
            amount = "three hundred" if i % 100 == 29 else f"£{300 + i % 700:,}.00"
            writer.writerow(["10000001", f"L{i // _PER_LEARNER}", "", etype, date, "", f"Employer {i % 50} Ltd",
                             amount, f"INV{i}", "", "", ""])


def best(fn: Callable[[], object], repeat: int) -> float:
    """The shortest of ``repeat`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'rows':>8}  {'read_csv us/row':>15}  {'read_manifest us/row':>20}  {'ratio':>6}  problems")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"manifest_{rows}.csv"
            write_manifest(path, rows)
            floor = best(lambda p=path: pd.read_csv(p, dtype=str, keep_default_na=False), args.repeat)
            took = best(lambda p=path: read_manifest(p), args.repeat)
            problems = len(read_manifest(path).problems)
            print(f"{rows:>8}  {floor / rows * 1e6:>15.2f}  {took / rows * 1e6:>20.2f}  {took / floor:>6.1f}  "
                  f"{problems}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
