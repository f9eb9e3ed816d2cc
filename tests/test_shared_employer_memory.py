"""Issue 13: EV_EMP_02's join of job offers with co-funded places on employer stays bounded by its output.

3,000 learners share one employer (tests/shared_employer.py): 1,500 co-funded places and 1,500 job offers of
independent learners. In a child process whose address space is limited to 128 MB above what it holds after
reading the case and building the evidence facts, EV_EMP_02 must flag every job offer, each message naming five
co-funded places. Joining every offer with every place (2.25 million pairs) needs about 215 MB more and runs
out of memory under this limit (the runner then reports the rule as crashed: one finding, not 1,500).
"""

from __future__ import annotations

from tests.memory_limit import run_child


def test_job_offers_and_places_sharing_one_employer_stay_within_a_memory_limit(tmp_path):
    counts = run_child("tests.shared_employer", tmp_path / "case", 3000, 128)
    assert int(counts["findings"]) == 1500  # every independent learner's job offer from the co-funder
    assert int(counts["named"]) == 5  # each message names the first five co-funded places
