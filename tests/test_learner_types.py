"""Learner type per bootcamp aim."""

from auditkit import read_ilr
from auditkit.facts.learner_types import learner_types
from auditkit.rules import RuleContext
from tests.rules.case import write_case

EMPLOYED_SEI = [{"EmpStat": 10, "DateEmpStatApp": __import__("datetime").date(2024, 3, 1),
                 "EmploymentStatusMonitoring": [{"ESMType": "SEI", "ESMCode": 1}]}]
FFI2 = [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "112"}, {"LearnDelFAMType": "FFI", "LearnDelFAMCode": "2"},
        {"LearnDelFAMType": "DAM", "LearnDelFAMCode": "023"}]


def test_learner_types(tmp_path):
    write_case({
        "other_learners": [
            {"learner": {"LearnRefNumber": "L2", "LearnerEmploymentStatus": EMPLOYED_SEI}},
            {"learner": {"LearnRefNumber": "L3"}, "bootcamp": {"LearningDeliveryFAM": FFI2}},
            {"learner": {"LearnRefNumber": "L4", "LearnerEmploymentStatus": EMPLOYED_SEI},
             "bootcamp": {"LearningDeliveryFAM": FFI2}},
        ]}, tmp_path)
    ctx = RuleContext(read_ilr(tmp_path, progress=False))
    types = dict(zip(ctx.bootcamps["learn_ref_number"], learner_types(ctx), strict=True))
    # L1: unemployed, FFI 1; L2: employed with SEI 1; L3: FFI 2; L4: FFI 2 wins over self-employment.
    assert types == {"L1": "independent", "L2": "self-employed", "L3": "co-funded", "L4": "co-funded"}
