"""Issue 11: joins by ULN and by employer stay bounded by their output.

1,500 learners share one ULN (bootcamp, M2 and M3 each, plus an M2 naming no bootcamp, a DPOutcome, and job
offers from an employer that co-funds half of the places). In a child process whose address space is limited to
256 MB above what it holds after reading the case, the rules, milestones, KPIs and evidence checks must finish.
The former joins (every pair of learners sharing the ULN) needed about 2 GB for 1,000 such learners and raise
MemoryError under this limit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_learners_sharing_one_uln_stay_within_a_memory_limit(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tests.shared_uln", str(tmp_path / "case"), "1500", "256"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"rc {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
    assert "MemoryError" not in run.stdout
    counts = dict(part.split("=") for part in run.stdout.split())
    assert int(counts["milestones"]) == 3 * 1500  # every bootcamp has its M1, M2 and M3 rows
    assert int(counts["findings"]) > 0
