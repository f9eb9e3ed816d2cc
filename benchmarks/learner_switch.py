"""Benchmark: switching learners in a case with an evidence tracker (issue 13): flat in the case's size.

Builds cases of N learners (default 10,000 and 100,000) by repeating the shipped samples' learners with new learner
references and ULNs (as ``read_ilr.py`` does), each with its manifest rows copied to the new learner (no document
files; the samples' employer register and contracts). For each case it computes the findings and milestones once,
then times

- ``index``: the one-off build of the per-learner indexes (``Case.learner_index`` and the evidence view's, at the
  first view);
- ``after``: one learner's walk-through data, ``case.learner(...)`` and ``case_evidence_view(case, ...)``: the
  median over ``--learners`` learners spread over the case;
- ``before``: the same data by full scans (the evidence view as it was, ``tests/evidence_scan.py``, which runs the
  evidence rules at each call, and boolean masks over the findings and milestones): the median over a few learners.

Ratios are to the smallest size. Machines here are noisy and shared: read the ratios, not the milliseconds.

    python benchmarks/learner_switch.py [--sizes 10000 100000] [--learners 50] [--before 5]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from read_ilr import _LEARNER, _REF, _ULN, _uln  # noqa: E402

from auditkit import open_case  # noqa: E402
from auditkit.case import Case  # noqa: E402
from auditkit.privacy import mask_frame  # noqa: E402
from auditkit.views.evidence import case_evidence_view  # noqa: E402

_UKPRN = re.compile(rb"<UKPRN>(\d+)</UKPRN>")


#: The ULN that :func:`scaled_uln` gives up to :data:`SHARED_GROUP` learners when ULNs are shared.
SHARED_GROUP = 3000
#: The temporary ULN the ILR allows when the learner's is not known.
TEMPORARY_ULN = b"<ULN>9999999999</ULN>"


def scaled_uln(i: int, learners: int, shared: bool = False) -> bytes:
    """The ``<ULN>`` element of copy ``i`` of ``learners``: distinct per copy; with ``shared``, one ULN for
    :data:`SHARED_GROUP` copies spread over the case, the temporary ULN for one copy in 20 and, for one in 10,
    the previous copy's ULN (a person who restarted)."""
    if not shared:
        return _uln(i)
    stride = max(2, learners // SHARED_GROUP)
    if i % stride == 1 and i // stride < SHARED_GROUP:
        return _uln(learners + 1)
    if i % 20 == 3:
        return TEMPORARY_ULN
    if i % 10 == 7:
        return _uln(i - 1)
    return _uln(i)


def scaled_case(samples: Path, learners: int, out: Path, *, shared_ulns: bool = False,
                rows_per_learner: float | None = None, evidence: bool = True) -> Path:
    """Write a case folder of ``learners`` learners: one return (the last sample file's header) repeating the
    samples' learners with new references and ULNs (:func:`scaled_uln`, ``shared_ulns`` repeating some), a
    manifest with each copy's evidence rows (all of them, or about ``rows_per_learner`` a learner on average:
    a rotating slice of the sample learner's rows; no manifest without ``evidence``), the employer register and
    the contracts."""
    files = sorted(samples.rglob("ILR-*.xml"))
    if not files:
        raise SystemExit(f"no ILR-*.xml files under {samples}: run `auditkit samples --out {samples}` first")
    blocks: list[tuple[bytes, str, bytes]] = []  # (ukprn, learn ref, learner element)
    for f in files:
        text = f.read_bytes()
        ukprn = _UKPRN.search(text)
        for block in _LEARNER.findall(text):
            ref = re.search(rb"<LearnRefNumber>([^<]*)</LearnRefNumber>", block)
            if ukprn and ref:
                blocks.append((ukprn.group(1), ref.group(1).decode(), block))
    with open(samples / "evidence" / "manifest.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        rows: dict[tuple[str, str], list[dict[str, str]]] = {}
        for row in reader:
            rows.setdefault((row["ukprn"], row["learn_ref_number"]), []).append(row)
    text = files[-1].read_bytes()
    head = text[: text.index(b"<Learner>")]
    target = _UKPRN.search(head)
    assert target is not None
    out.mkdir(parents=True, exist_ok=True)
    (out / "evidence").mkdir(exist_ok=True)
    manifest = out / "evidence" / "manifest.csv"
    budget = 0.0
    with open(out / "ILR-scaled.xml", "wb") as ilr, open(manifest, "w", newline="", encoding="utf-8") as man:
        writer = csv.DictWriter(man, columns)
        writer.writeheader()
        ilr.write(head)
        for i in range(learners):
            ukprn, ref, block = blocks[i % len(blocks)]
            new_ref = f"B{i:010d}"
            uln = scaled_uln(i, learners, shared_ulns)
            block = _REF.sub(b"<LearnRefNumber>%s</LearnRefNumber>" % new_ref.encode(), block, count=1)
            ilr.write(_ULN.sub(uln, block, count=1))
            mine = rows.get((ukprn.decode(), ref), [])
            if rows_per_learner is not None:  # a rotating slice, the shortfall carried to the next learners
                budget += rows_per_learner
                take, start = min(len(mine), int(budget)), i % max(1, len(mine))
                budget -= take
                mine = (mine[start:] + mine[:start])[:take]
            for row in mine:
                writer.writerow(row | {"ukprn": target.group(1).decode(), "learn_ref_number": new_ref,
                                       "uln": uln[5:-6].decode(), "file": "", "sha256": ""})
        ilr.write(b"</Message>\n")
    if not evidence:
        shutil.rmtree(out / "evidence")
    shutil.copy(samples / "employers.csv", out / "employers.csv")
    shutil.copy(samples / "contracts.toml", out / "contracts.toml")
    return out


def median_ms(calls: list[Callable[[], object]]) -> float:
    times = []
    for call in calls:
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def before(case: Case, ukprn: int, ref: str) -> object:
    """The walk-through data by full scans, as before the indexes."""
    from tests.evidence_scan import scan_view

    def mine(frame):  # noqa: ANN001, ANN202
        return frame[(frame["ukprn"] == ukprn).fillna(False) & (frame["learn_ref_number"] == ref).fillna(False)]

    return scan_view(case.context, ukprn, ref), mask_frame(mine(case.raw_findings)), mine(case.milestones)


def after(case: Case, ukprn: int, ref: str) -> object:
    return case.learner(ukprn, ref), case_evidence_view(case, ukprn, ref)


def measure(folder: Path, n_after: int, n_before: int) -> dict[str, float]:
    t = time.perf_counter()
    case = open_case([folder], progress=False)
    case.raw_findings, case.milestones  # noqa: B018 - computed once per case, before the learners
    computed = time.perf_counter() - t
    boot = case.context.bootcamps.drop_duplicates(["ukprn", "learn_ref_number"])
    step = max(1, len(boot) // n_after)
    picked = [(int(u), str(r)) for u, r in zip(boot["ukprn"], boot["learn_ref_number"], strict=True)][::step]
    t = time.perf_counter()
    after(case, *picked[0])  # builds every index
    index = (time.perf_counter() - t) * 1000
    docs = len(case.evidence.evidence) if case.evidence is not None else 0
    result = {"learners": len(case.data.learners), "documents": docs, "open+findings s": computed,
              "index ms": index,
              "after ms": median_ms([lambda k=k: after(case, *k) for k in picked[1:n_after + 1]])}
    if n_before:
        result["before ms"] = median_ms([lambda k=k: before(case, *k) for k in picked[1:n_before + 1]])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--learners", type=int, default=50, help="learners timed after (median)")
    parser.add_argument("--before", type=int, default=5, help="learners timed before (median; 0: skip)")
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = scaled_case(args.samples, n, Path(tmp) / f"case-{n}")
            results[n] = measure(folder, args.learners, args.before)
            shutil.rmtree(folder)
            r = results[n]
            print(f"{n:>7} learners ({r['documents']} documents): open + findings + milestones "
                  f"{r['open+findings s']:.1f} s; index build {r['index ms']:.0f} ms; one learner "
                  f"{r['after ms']:.2f} ms" + (f" (before: {r['before ms']:.0f} ms)" if "before ms" in r else ""),
                  flush=True)
    small = results[min(results)]
    for n, r in sorted(results.items()):
        ratios = f"after {r['after ms'] / small['after ms']:.2f}x, index {r['index ms'] / small['index ms']:.2f}x"
        if "before ms" in r:
            ratios += f", before {r['before ms'] / small['before ms']:.2f}x"
        print(f"{n:>7} / {min(results)}: {ratios}")


if __name__ == "__main__":
    main()
