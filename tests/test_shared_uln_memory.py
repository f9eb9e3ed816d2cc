"""Issue 11: joins by ULN and by employer stay bounded by their output.

1,500 learners share one ULN (bootcamp, M2 and M3 each, plus an M2 naming no bootcamp, a DPOutcome, and job
offers from an employer that co-funds half of the places). In a child process whose address space is limited to
256 MB above what it holds after reading the case, the rules, milestones, KPIs and evidence checks must finish.
The former joins (every pair of learners sharing the ULN) needed about 2 GB for 1,000 such learners and raise
MemoryError under this limit.
"""

from __future__ import annotations

from tests.memory_limit import run_child


def test_learners_sharing_one_uln_stay_within_a_memory_limit(tmp_path):
    counts = run_child("tests.shared_uln", tmp_path / "case", 1500, 256)
    assert int(counts["milestones"]) == 3 * 1500  # every bootcamp has its M1, M2 and M3 rows
    assert int(counts["findings"]) > 0
