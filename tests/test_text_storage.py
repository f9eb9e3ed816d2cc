"""Rules hold whatever storage pandas picks for text: with pyarrow (a dependency) pandas 3 keeps text in Arrow,
where an all-missing column maps to a null type; such a column must not stop a rule."""

from __future__ import annotations

from auditkit import open_case
from auditkit.rules.runner import RULE_ERROR
from tests import ilr_strategies as ilrs


def test_a_return_whose_learners_all_lack_a_uln_is_checked(tmp_path):
    ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1", ULN=None), ilrs.minimal_learner("L2", ULN=None)])
    findings = open_case([tmp_path], progress=False).findings
    stopped = findings[findings["message"].str.startswith(RULE_ERROR)]
    assert stopped.empty, stopped[["rule_id", "message"]].to_string()
    missing = findings[findings["rule_id"] == "W5_ULN_01"]
    assert sorted(missing["learn_ref_number"]) == ["L1", "L2"]
    assert not (findings["rule_id"] == "W5_ULN_02").any()
