"""No finding may have an empty message: every rule and evidence check, run on the samples, gives each of its
findings a message (checked on the rule's own output, before the runner's fallback), and the runner never lets an
empty message through. The rule fixture cases check the same on each case's rule (tests/test_rule_fixtures.py),
and every evidence check scenario on its findings (tests/test_evidence_checks.py ``run_ev``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditkit.rules import all_rules, run_rules
from auditkit.rules.registry import Rule
from auditkit.rules.runner import run_rule

ROOT = Path(__file__).resolve().parents[1]


def empty_messages(rule: Rule, ctx) -> pd.DataFrame:
    """The rows of the rule's own output (``rule.func``) whose message is missing or blank."""
    raw = rule.func(ctx)
    if raw is None or len(raw) == 0:
        return pd.DataFrame()
    assert "message" in raw, f"{rule.id} gives findings without a message column"
    text = raw["message"].astype("string").fillna("").str.strip()
    return raw[(text == "").to_numpy()]


@pytest.fixture(scope="module")
def samples(samples_case):
    return samples_case


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_finding_on_the_samples_has_a_message(samples, rule):
    bad = empty_messages(rule, samples.context)
    assert bad.empty, f"{rule.id} gives {len(bad)} findings with an empty message:\n{bad.head().to_string()}"


def test_the_runner_gives_a_finding_without_a_message_the_rules_summary(samples):
    def silent(ctx):
        rows = ctx.learners.head(2)
        return ctx.findings(rows, field="ULN", message=pd.Series([pd.NA, "  "], index=rows.index, dtype="string"))

    rule = Rule("W5_TEST_01", "warning", "learner", ("ULN",), silent)
    rule.func.__doc__ = "A test rule.\n\n**What it checks**: x\n\n**Why it matters**: y\n\n**Example**: z"
    found = run_rule(rule, samples.context)
    assert list(found["message"]) == ["W5_TEST_01: A test rule."] * 2
    assert run_rules(samples.context, ["W5_DOB_01"])["message"].str.strip().ne("").all()
