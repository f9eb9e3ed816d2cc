"""Every rule's YAML fixture cases: ``fail_*`` cases must produce the rule's finding, ``pass_*`` none.

One YAML file per rule id in ``tests/rules/fixtures/`` (the shape of sqlfluff's rule fixtures); see
``tests/rules/case.py`` for what a case may say.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditkit.rules import all_rules, get_rules, run_rules
from tests.rules.case import case_context, check_keys, run_case
from tests.test_finding_messages import empty_messages

FIXTURES = Path(__file__).parent / "rules" / "fixtures"


def _cases():
    for path in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in spec["cases"].items():
            yield pytest.param(spec["rule"], name, case or {}, id=f"{spec['rule']}-{name}")


@pytest.mark.parametrize(("rule_id", "name", "case"), list(_cases()))
def test_rule_case(rule_id, name, case, tmp_path):
    ctx = case_context(case, tmp_path)
    (rule,) = get_rules([rule_id])
    bad = empty_messages(rule, ctx)
    assert bad.empty, f"{rule_id} {name}: findings with an empty message:\n{bad.to_string()}"
    findings = run_rules(ctx, [rule_id])
    mine = findings[findings["rule_id"] == rule_id]
    expect = case.get("expect") or {}
    if name.startswith("pass"):
        assert mine.empty, f"{rule_id} {name}: expected no finding, got\n{mine.to_string()}"
        return
    assert name.startswith("fail"), f"case names start with pass_ or fail_: {name}"
    assert not mine.empty, f"{rule_id} {name}: expected a finding, got none"
    learner = expect.get("learn_ref_number", "L1")
    of_learner = mine[mine["learn_ref_number"].fillna("") == (learner or "")]
    assert len(of_learner) == expect.get("count", 1), mine.to_string()
    for key in ("aim_seq_number", "field", "value", "severity"):
        if key in expect:
            want = expect[key]
            got = of_learner[key].tolist()
            assert all((pd_na(g) and want is None) or g == want for g in got), f"{key}: {got} != {want}"
    if "message_contains" in expect:
        assert all(expect["message_contains"] in m for m in of_learner["message"]), of_learner["message"].tolist()


def pd_na(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


def test_every_rule_has_fixture_cases():
    """Each rule has a fixture file with at least one failing and one passing case."""
    for r in all_rules():
        path = FIXTURES / f"{r.id}.yml"
        assert path.exists(), f"{r.id} has no fixture file {path.name}"
        names = list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])
        assert any(n.startswith("fail") for n in names) and any(n.startswith("pass") for n in names), r.id


@pytest.mark.parametrize(("case", "named"), [
    ({"bootcmp": {}}, "'bootcmp'"),
    ({"expect": {"messages_contains": "x"}}, "case expect: unknown key(s) 'messages_contains'"),
    ({"other_learners": [{"learner": {}, "m4": {}}]}, "other_learners[0]: unknown key(s) 'm4'"),
    ({"evidence": [{"evidence_typ": "id_check"}]}, "evidence[0]: unknown key(s) 'evidence_typ'"),
    ({"evidence_pack": {"L1": {"typ": "co-funded"}}}, "evidence_pack L1: unknown key(s) 'typ'"),
])
def test_an_unknown_key_fails_the_case_naming_it(case, named, tmp_path):
    with pytest.raises(ValueError) as raised:
        case_context(case, tmp_path)
    assert named in str(raised.value)


def test_every_fixture_case_has_known_keys():
    for path in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(spec) == {"rule", "cases"}, path.name
        for name, case in spec["cases"].items():
            try:
                check_keys(case or {})
            except ValueError as error:
                raise AssertionError(f"{path.name} {name}: {error}") from None


def test_base_case_is_clean(tmp_path):
    """The clean base learner of the fixtures triggers no rule at all (so fixtures test one rule each)."""
    findings = run_case({}, tmp_path)
    assert findings.empty, findings.to_string()


def test_base_case_with_milestones_is_clean(tmp_path):
    import datetime as dt

    # the bootcamp ended 2024-07-24, more than 2 months before the return: its destination is recorded (W5_DP_01),
    # EMP 1 as the bootcamp's WMCA1.3 says (W5_DP_03)
    destination = {"LearnRefNumber": "L1", "ULN": "1000000019", "DPOutcome": [
        {"OutType": "EMP", "OutCode": 1, "OutStartDate": dt.date(2024, 9, 22), "OutCollDate": dt.date(2024, 10, 1)}]}
    findings = run_case({"bootcamp": {"completed": True}, "m2": {}, "m3": {}, "prepared": dt.date(2024, 10, 7),
                         "destinations": [destination]}, tmp_path)
    assert findings.empty, findings.to_string()
