"""Benchmark: the workpaper store (issue 14). Records ``--verdicts`` verdicts (default 10,000), each committed on its
own as the commands and the walk-through do, then reads one learner's checks, verdicts and history back (what the
walk-through does on every learner switch) for ``--reads`` learners spread over the store.

Reports the time per verdict recorded, and per read: ``Store.learner`` (rows as dicts, the walk-through's path) and
``Store.current`` of one learner (the ``workpapers`` frame); beside them a same-run baseline on the same file: a bare
``sqlite3`` SELECT of one verdict by primary key, and the learner's rows by the same joins in bare ``sqlite3``.
The aim: a learner read under 5 ms on SQLite. Medians and 95th percentiles; machines here are noisy and shared.

    python benchmarks/workpapers.py [--verdicts 10000] [--checks-per-learner 5] [--reads 500] [--store URL]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from auditkit.frames.workpapers import STAGES  # noqa: E402
from auditkit.workpapers import check_id, learner_key, open_store, stage_check_id  # noqa: E402

UKPRN = 10090001


def checks(learners: int, per_learner: int) -> pd.DataFrame:
    """``per_learner`` checks per learner: the five walk-through stages of one bootcamp aim, then findings."""
    rows = []
    for n in range(learners):
        lrn = f"BEN{n:06d}"
        key = learner_key(UKPRN, lrn, f"{1000000000 + n}")
        for i in range(per_learner):
            stage = STAGES[i] if i < len(STAGES) else None
            cid = (stage_check_id(key, "Z0009501", "2024-09-02", stage) if stage
                   else check_id("finding", f"W5_B_{i:02d}", key, "Z0009501", "2024-09-02", "PSM", ""))
            rows.append({"check_id": cid, "kind": "stage" if stage else "finding", "stage": stage,
                         "rule_id": None if stage else f"W5_B_{i:02d}", "ukprn": UKPRN, "learner_key": key,
                         "learn_ref_number": lrn, "uln": f"{1000000000 + n}", "bootcamp_aim": "Z0009501",
                         "aim_start": "2024-09-02", "fingerprint": None if stage else f"{i:016x}",
                         "return_id": "ILR-10090001-2425-20250404-091204-01"})
    return pd.DataFrame(rows)


def timed(fn: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(label: str, ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, int(len(ms) * 0.95) - 1)]
    return f"{label:<52} median {statistics.median(ms):8.3f} ms   p95 {p95:8.3f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=10_000)
    parser.add_argument("--checks-per-learner", type=int, default=5)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--store", help="A database URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="auditkit-bench-wp-"))
    url = args.store or f"sqlite:///{folder / 'workpapers.sqlite'}"
    learners = -(-args.verdicts // args.checks_per_learner)
    frame = checks(learners, args.checks_per_learner)
    store = open_store(url=url, user="bench")
    store.add_checks(frame)
    ids = frame["check_id"].tolist()[:args.verdicts]
    print(f"store: {store.url}; {len(frame)} checks of {learners} learners")

    start = time.perf_counter()
    for n, cid in enumerate(ids):
        store.record(cid, "pass" if n % 3 else "query", f"note {n}")
    elapsed = time.perf_counter() - start
    print(f"recorded {len(ids)} verdicts, each committed: {elapsed:.1f} s, {elapsed / len(ids) * 1000:.2f} ms each")
    for cid in ids[::7]:  # some checks have a second verdict in their history
        store.record(cid, "fail", "second look")

    rng = random.Random(14)
    picks = [f"BEN{rng.randrange(learners):06d}" for _ in range(args.reads)]
    it = iter(picks * 2)
    rows, history = store.learner(UKPRN, picks[0])
    print(f"one learner: {len(rows)} checks, {len(history)} history rows")
    results = [line("Store.learner (checks, verdicts, sign-offs, history)", timed(
        lambda: store.learner(UKPRN, next(it)), args.reads))]
    it = iter(picks)
    results.append(line("Store.current(ukprn, learn_ref_number): a frame", timed(
        lambda: store.current(ukprn=UKPRN, learn_ref_number=next(it)), args.reads)))
    if store.engine.dialect.name == "sqlite":
        db = sqlite3.connect(str(folder / "workpapers.sqlite") if not args.store else store.engine.url.database)
        pk = iter(rng.choice(ids) for _ in range(args.reads))
        results.append(line("baseline: bare sqlite3 SELECT a verdict by primary key", timed(
            lambda: db.execute("SELECT * FROM verdicts WHERE check_id = ?", (next(pk),)).fetchall(), args.reads)))
        it = iter(picks)

        def bare() -> None:
            lrn = next(it)
            db.execute("SELECT c.*, v.* FROM checks c LEFT JOIN verdicts v ON v.check_id = c.check_id "
                       "WHERE c.ukprn = ? AND c.learn_ref_number = ?", (UKPRN, lrn)).fetchall()
            db.execute("SELECT s.* FROM signoffs s JOIN checks c ON c.check_id = s.check_id "
                       "WHERE c.ukprn = ? AND c.learn_ref_number = ?", (UKPRN, lrn)).fetchall()
            db.execute("SELECT h.* FROM history h JOIN checks c ON c.check_id = h.check_id "
                       "WHERE c.ukprn = ? AND c.learn_ref_number = ? ORDER BY h.history_id", (UKPRN, lrn)).fetchall()

        results.append(line("baseline: the same learner read in bare sqlite3", timed(bare, args.reads)))
        db.close()
    print("\n".join(results))
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
