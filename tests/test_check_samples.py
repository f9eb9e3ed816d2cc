"""Acceptance test of the rule set and evidence checks: ``auditkit check samples`` finds exactly what
samples/PLANTED.md plants.

Every rule-level problem in ``samples/planted.csv`` is found (same provider, learner, aim and rule), and
nothing else is: no finding on a learner that is not planted, which covers every learner listed clean. The
whole findings table is also kept as a golden file (regenerate with ``AUDITKIT_UPDATE_GOLDEN=1``).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from auditkit.frames.findings import NOT_EVALUATED
from tests.conftest import ROOT, SAMPLES

#: Provider-level "not evaluated" findings the samples give, as PLANTED.md explains: the uncontracted
#: provider's contract rules, and W5_GLH_01 for the aim allocated to another provider.
EXPECTED_NOT_EVALUATED = {
    (10090001, "W5_GLH_01"),
    (10090009, "W5_AIM_01"), (10090009, "W5_DATE_01"), (10090009, "W5_DATE_03"), (10090009, "W5_GLH_01"),
}


@pytest.fixture(scope="module")
def findings(samples_case) -> pd.DataFrame:
    return samples_case.revealed_findings("golden test")


def _key(ukprn, lrn, aim, check_id) -> tuple:
    return (int(ukprn), str(lrn), None if pd.isna(aim) else int(aim), str(check_id))


def test_every_planted_problem_is_found_and_nothing_else(findings):
    """ILR rules and evidence checks alike: the planted rows of kind rule and evidence."""
    planted = pd.read_csv(SAMPLES / "planted.csv", dtype=str)
    planted = planted[planted["kind"].isin(["rule", "evidence"])]
    expected = {_key(*r) for r in planted[["ukprn", "learn_ref_number", "aim_seq_number", "check_id"]].itertuples(
        index=False)}
    rules = findings[findings["severity"] != NOT_EVALUATED]
    found = {_key(*r) for r in rules[["ukprn", "learn_ref_number", "aim_seq_number", "rule_id"]].itertuples(
        index=False)}
    assert not expected - found, f"planted but not found: {sorted(expected - found)}"
    assert not found - expected, f"found but not planted: {sorted(found - expected)}"
    assert {r for r in planted["check_id"]} >= {"W5_M1_01", "W5_COMP_03", "W5_UKPRN_01", "EV_REUSE_01"}


def test_not_evaluated_findings_are_the_documented_ones(findings):
    rows = findings[findings["severity"] == NOT_EVALUATED]
    assert {(int(u), r) for u, r in zip(rows["ukprn"], rows["rule_id"], strict=True)} == EXPECTED_NOT_EVALUATED


def test_findings_match_golden(findings, golden):
    table = findings.copy()
    table["source"] = table["source"].str.replace(str(ROOT) + os.sep, "", regex=False)
    golden("check/samples_findings.csv", table)
