"""The anomaly detectors group by shared values (a ULN, a hashed phone number or address, an employer) without
pairing the rows that share them: 1,500 learners (750 of them with one ULN) sharing one phone and address across
two providers stay within 256 MB, and each detector's output is one row per learner (see tests/shared_anomalies.py)."""

from __future__ import annotations

from tests.memory_limit import run_child


def test_learners_sharing_one_uln_phone_and_address_stay_within_a_memory_limit(tmp_path):
    counts = run_child("tests.shared_anomalies", tmp_path / "case", 1500, 256)
    assert int(counts["AN_ULN_01"]) == 750  # one row per bootcamp of the shared ULN (every other learner)
    assert int(counts["AN_CONTACT_01"]) == 2 * 1500  # the phone and the address, once per learner
